/**
 * Which events of a message ClickHouse already holds, for a dead-letter replay that may come long
 * after the message's first insert.
 *
 * The consumer's inserts are idempotent through `insert_deduplication_token` (the batch id), but
 * only within ClickHouse's dedup window: the last 10,000 blocks locally, and on ClickHouse Cloud
 * also one hour. A message can be parked although its rows were stored: the insert landed, the
 * client saw a timeout, and ClickHouse stayed out of reach for the rest of the retries (about 20
 * minutes, well inside the window). Replayed hours later, the token is forgotten and every event,
 * and every rollup fed from `events`, would count twice. So a replay first asks `events`.
 *
 * `events` keeps no event id (0004_events_storage.sql dropped it for storage), so an event is
 * recognised by what it is: site, second, visitor, kind, name, host, path, referrer and its
 * engagement figures. A message's events were accepted within one group commit, so the lookup
 * reads a second or two of its sites (the order key starts with site and hour). Copies count:
 * two identical events in a message with one stored means one is missing. The one event this can
 * mistake for stored is an exact twin (same visitor, second, page and figures) sent in another
 * message; dropping that twin costs one repeat, where a replay without this check doubles all.
 */
import type { ReadQuery } from '../clickhouse/read';
import type { EventRecord } from '../events/record';

/** The columns that tell events apart, as ClickHouse returns them and as a record holds them. */
interface Identity {
  site_id: number | string;
  timestamp: number | string;
  visitor_id: string;
  kind: string;
  name: string;
  hostname: string;
  pathname: string;
  referrer: string;
  scroll_depth: number | string | null;
  engaged_ms: number | string | null;
}

function identity(e: Identity): string {
  return JSON.stringify([
    Number(e.site_id),
    Math.floor(Number(e.timestamp)),
    e.visitor_id,
    e.kind,
    e.name,
    e.hostname,
    e.pathname,
    e.referrer,
    e.scroll_depth === null ? null : Number(e.scroll_depth),
    e.engaged_ms === null ? null : Number(e.engaged_ms),
  ]);
}

const STORED = `
  SELECT site_id, toUnixTimestamp(timestamp) AS timestamp, toString(visitor_id) AS visitor_id,
    toString(kind) AS kind, toString(name) AS name, toString(hostname) AS hostname, pathname, referrer,
    scroll_depth, engaged_ms, count() AS copies
  FROM events
  WHERE site_id IN {sites:Array(UInt32)}
    AND timestamp >= toDateTime({from:UInt32}) AND timestamp <= toDateTime({to:UInt32})
  GROUP BY site_id, timestamp, visitor_id, kind, name, hostname, pathname, referrer, scroll_depth, engaged_ms`;

const UINT32_MAX = 2 ** 32 - 1;

/** Site and second a lookup can be made by (a parked body is only checked for its shape). */
function lookable(event: EventRecord): boolean {
  const { site_id: site, timestamp } = event;
  return (
    Number.isInteger(site) &&
    site >= 0 &&
    site <= UINT32_MAX &&
    Number.isFinite(timestamp) &&
    timestamp >= 0 &&
    timestamp <= UINT32_MAX
  );
}

/**
 * The events of `events` that ClickHouse does not hold yet (all of them, in order, when none is).
 * A message with an event that cannot be looked up (rows ClickHouse refused, parked as they came)
 * is returned whole: the consumer refuses it again, as before.
 */
export async function unstoredEvents(
  read: ReadQuery,
  events: readonly EventRecord[],
): Promise<EventRecord[]> {
  if (events.length === 0 || !events.every(lookable)) return [...events];
  const seconds = events.map((e) => Math.floor(e.timestamp));
  const rows = await read<Identity & { copies: number | string }>(STORED, {
    sites: [...new Set(events.map((e) => e.site_id))],
    from: Math.min(...seconds),
    to: Math.max(...seconds),
  });
  const stored = new Map<string, number>();
  for (const row of rows) stored.set(identity(row), Number(row.copies));
  return events.filter((event) => {
    const key = identity(event);
    const left = stored.get(key) ?? 0;
    if (left === 0) return true;
    stored.set(key, left - 1);
    return false;
  });
}
