/**
 * The event record: what the ingest path builds, what a queue message carries, and what the
 * consumer inserts into `edgebear.events` (JSONEachRow). Field names are the column names of
 * schema/clickhouse/0001_events.sql as later migrations left them (0004 dropped `event_id`), so a
 * column is renamed here and there, nowhere else.
 */
export type EventKind = 'pageview' | 'custom' | 'engagement' | 'performance';

export interface EventRecord {
  site_id: number;
  /** Seconds since the epoch, UTC. */
  timestamp: number;
  kind: EventKind;
  name: string;
  /** UInt64 as a decimal string. */
  visitor_id: string;
  /** UInt64 as a decimal string. */
  session_id: string;
  hostname: string;
  pathname: string;
  referrer: string;
  referrer_source: string;
  channel: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_content: string;
  utm_term: string;
  click_id_param: string;
  /** ISO 3166-1 alpha-2, or '' when unknown. */
  country: string;
  region: string;
  city: string;
  device: string;
  browser: string;
  browser_version: string;
  os: string;
  os_version: string;
  props: Record<string, string>;
  /** Decimal string, so no float rounding on the way to Decimal64(6). */
  revenue_amount: string;
  revenue_currency: string;
  interactive: 0 | 1;
  scroll_depth: number | null;
  engaged_ms: number | null;
  lcp_ms: number | null;
  inp_ms: number | null;
  cls: number | null;
  fcp_ms: number | null;
  ttfb_ms: number | null;
  dns_ms: number | null;
  connect_ms: number | null;
  dom_interactive_ms: number | null;
  load_ms: number | null;
}

/** Performance fields an event may carry, in column order. */
export const PERFORMANCE_FIELDS = [
  'lcp_ms',
  'inp_ms',
  'cls',
  'fcp_ms',
  'ttfb_ms',
  'dns_ms',
  'connect_ms',
  'dom_interactive_ms',
  'load_ms',
] as const;

export type PerformanceField = (typeof PERFORMANCE_FIELDS)[number];

/** A queue message: the events of one group commit, with the id that makes its insert idempotent. */
export interface EventBatchMessage {
  v: 1;
  /** Unique per message; becomes the ClickHouse insert_deduplication_token. */
  batch_id: string;
  events: EventRecord[];
}
