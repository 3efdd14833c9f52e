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

/**
 * Builds the event body. Absent options stay `undefined`, which `JSON.stringify` leaves out,
 * so a plain pageview is just `{n,u,d,r,w}`; `extra` adds the engagement or performance fields.
 * (Positional parameters, not an object: they minify to single letters.)
 */
export function buildPayload(
  name: string,
  url: string,
  domain: string,
  referrer: string,
  width: number,
  hashMode: boolean,
  options: EventOptions,
  extra?: Pick<Payload, 'i' | 'sd' | 'e' | 'v'>,
): Payload {
  return Object.assign(
    {
      n: name,
      u: url,
      d: domain,
      r: referrer,
      w: width,
      p: options.props,
      $: options.revenue,
      h: hashMode ? (1 as const) : undefined,
      i: options.interactive,
    },
    extra,
  );
}
