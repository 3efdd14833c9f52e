/**
 * Options of `edgebear(name, options)`. `props` and `revenue` travel as they are; the server
 * validates and caps them (see workers/ingest/payload/types.ts for the wire format).
 */
export interface EventOptions {
  props?: Record<string, string | number | boolean>;
  revenue?: { currency: string; amount: number | string };
  /** Called (without arguments) once the event was handed to the network, or dropped. */
  callback?: () => void;
  /** `false` for events that must not end a bounce; engagement and performance are sent so. */
  interactive?: boolean;
}

/** The short-key body of POST /api/event that this tracker sends. */
export interface Payload {
  n: string;
  u: string;
  d: string;
  r: string;
  w: number;
  p?: EventOptions['props'];
  $?: EventOptions['revenue'];
  h?: 1;
  i?: boolean;
  sd?: number;
  e?: number;
  v?: Record<string, number | undefined>;
}

/** What engagement and performance events add to the body. */
export type PayloadExtra = Pick<Payload, 'i' | 'sd' | 'e' | 'v'>;

/**
 * Builds the event body; `r` and `w` are `document.referrer` and the viewport width. Absent
 * options stay `undefined`, which `JSON.stringify` leaves out, so a plain pageview is just
 * `{n,u,d,r,w}`; `fields` adds the engagement or performance fields.
 */
export function buildPayload(
  eventName: string,
  pageAddress: string,
  site: string,
  withFragment: boolean,
  eventOptions: EventOptions,
  fields?: PayloadExtra,
): Payload {
  return {
    n: eventName,
    u: pageAddress,
    d: site,
    r: document.referrer,
    w: innerWidth,
    p: eventOptions.props,
    $: eventOptions.revenue,
    h: withFragment ? 1 : undefined,
    i: eventOptions.interactive,
    ...fields,
  };
}
