/**
 * Counting a billing period's metered events in ClickHouse: one statement for many sites, each
 * with its own period (sites of different profiles have different periods).
 *
 * Metered events are pageviews and custom events, as Plausible bills them. Engagement and
 * performance events describe a pageview already counted (the full tracker sends one of each per
 * page), so they are stored and shown but not billed.
 *
 * Whole hours come from the `usage_hourly` rollup (a few rows per site and hour). A period that
 * starts or ends within an hour (Stripe periods start at the second of checkout) has those edge
 * hours counted from raw `events`, which reads only those hours: the order key starts with
 * (site_id, toStartOfHour(timestamp)). So the count is exact for [start, end), not hour-rounded.
 */
import type { ReadQuery } from '../clickhouse/read';

/** The event kinds plans are metered by (schema/clickhouse/0001_events.sql, `kind`). */
export const METERED_KINDS = ['pageview', 'custom'] as const;

export function isMetered(kind: string): boolean {
  return (METERED_KINDS as readonly string[]).includes(kind);
}

/** One site and the period to count it over, unix seconds, [start, end). */
export interface SiteWindow {
  siteId: number;
  start: number;
  end: number;
}

const HOUR = 3_600;

/** Sites per statement: keeps the query's parameters (sent in the URL) to a few tens of KB. */
export const SITES_PER_STATEMENT = 1_000;

/**
 * A window split into whole hours [fullFrom, fullTo) read from the rollup, and up to two partial
 * edges read from raw events. A window shorter than its first whole hour is one raw edge.
 */
export function splitWindow(w: SiteWindow): {
  fullFrom: number;
  fullTo: number;
  edges: [[number, number], [number, number]];
} {
  const fullFrom = Math.ceil(w.start / HOUR) * HOUR;
  const fullTo = Math.floor(w.end / HOUR) * HOUR;
  if (fullFrom >= fullTo)
    return {
      fullFrom: 0,
      fullTo: 0,
      edges: [
        [w.start, w.end],
        [0, 0],
      ],
    };
  return {
    fullFrom,
    fullTo,
    edges: [
      [w.start, fullFrom],
      [fullTo, w.end],
    ],
  };
}

// `transform(site_id, sites, values, 0)` looks a site's own bound up in the arrays; the constant
// bounds around it (min/max over all sites) let the primary key skip everything else.
const COUNT_SQL = `
SELECT toUInt32(site_id) AS site_id, sum(n) AS events FROM (
  SELECT site_id, sum(events) AS n FROM usage_hourly
   WHERE site_id IN {sites:Array(UInt32)}
     AND hour >= toDateTime({full_min:UInt32}, 'UTC') AND hour < toDateTime({full_max:UInt32}, 'UTC')
     AND kind IN ('pageview', 'custom')
     AND toUInt32(hour) >= transform(site_id, {sites:Array(UInt32)}, {full_from:Array(UInt32)}, toUInt32(0))
     AND toUInt32(hour) < transform(site_id, {sites:Array(UInt32)}, {full_to:Array(UInt32)}, toUInt32(0))
   GROUP BY site_id
  UNION ALL
  SELECT site_id, count() AS n FROM events
   WHERE site_id IN {sites:Array(UInt32)}
     AND toStartOfHour(timestamp) IN {edge_hours:Array(DateTime('UTC'))}
     AND kind IN ('pageview', 'custom')
     AND ((toUInt32(timestamp) >= transform(site_id, {sites:Array(UInt32)}, {a_from:Array(UInt32)}, toUInt32(0))
           AND toUInt32(timestamp) < transform(site_id, {sites:Array(UInt32)}, {a_to:Array(UInt32)}, toUInt32(0)))
       OR (toUInt32(timestamp) >= transform(site_id, {sites:Array(UInt32)}, {b_from:Array(UInt32)}, toUInt32(0))
           AND toUInt32(timestamp) < transform(site_id, {sites:Array(UInt32)}, {b_to:Array(UInt32)}, toUInt32(0))))
   GROUP BY site_id
)
GROUP BY site_id`;

/** The statement's parameters for a group of site windows (each site once). */
export function countParams(windows: SiteWindow[]): Record<string, number[] | number> {
  const split = windows.map(splitWindow);
  const full = split.filter((s) => s.fullFrom < s.fullTo);
  const edgeHours = new Set<number>();
  for (const s of split) {
    for (const [from, to] of s.edges) {
      for (let hour = Math.floor(from / HOUR) * HOUR; hour < to; hour += HOUR) edgeHours.add(hour);
    }
  }
  return {
    sites: windows.map((w) => w.siteId),
    full_min: full.length ? Math.min(...full.map((s) => s.fullFrom)) : 0,
    full_max: full.length ? Math.max(...full.map((s) => s.fullTo)) : 0,
    full_from: split.map((s) => s.fullFrom),
    full_to: split.map((s) => s.fullTo),
    edge_hours: [...edgeHours].sort((a, b) => a - b),
    a_from: split.map((s) => s.edges[0][0]),
    a_to: split.map((s) => s.edges[0][1]),
    b_from: split.map((s) => s.edges[1][0]),
    b_to: split.map((s) => s.edges[1][1]),
  };
}

/**
 * Metered events per site over each site's window, in as few statements as the sites need
 * ({@link SITES_PER_STATEMENT} per statement). Sites without events are absent from the map.
 */
export async function countMeteredEvents(
  read: ReadQuery,
  windows: SiteWindow[],
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (let i = 0; i < windows.length; i += SITES_PER_STATEMENT) {
    const group = windows.slice(i, i + SITES_PER_STATEMENT);
    const rows = await read<{ site_id: number | string; events: number | string }>(
      COUNT_SQL,
      countParams(group),
    );
    for (const row of rows) counts.set(Number(row.site_id), Number(row.events));
  }
  return counts;
}
