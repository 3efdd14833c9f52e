/**
 * The seal job: writes each ended UTC day's figures into `stats_daily` and `stats_hours` as plain
 * numbers (schema/clickhouse/0005_stats_daily.sql explains the tables and why visitors add up over
 * days). The 15-minute cron runs it; `npm run seed` and the dashboard bench run it after seeding.
 *
 * A day is sealed once it has ended and a grace hour has passed (late engagement pings and queue
 * retries land in that hour), and sealed again, with a new version, whenever its event count in
 * `usage_hourly` no longer matches the count it was sealed with. Readers switch to a new version
 * only when its `stats_sealed` row appears, which is the last write; the previous version's rows
 * are deleted once the new one is SUPERSEDED_GRACE_SECONDS old (a reader may have looked the day
 * up just before). A run that fails half-way leaves rows of a version nobody reads, and the next
 * run seals the day again.
 */
import type { ClickHouseClient } from '@clickhouse/client-web';
import { commandWithBodyParams, PARAMS_IN_BODY } from '../../workers/clickhouse/body-params';
import { ENGAGEMENT_COLUMNS, engagementVisits } from './plan/engagement';
import { DIMENSIONS, SESSION_COLUMNS, type SessionColumn } from './schema';

/** How long after midnight UTC a day waits before it is sealed. */
export const SEAL_GRACE_SECONDS = 3600;

const VISIT_SPECS = Object.values(DIMENSIONS).flatMap((spec) =>
  spec.scope === 'visit' && !spec.unsealed ? [spec] : [],
);

/** Every visit dimension, sealed from `visit_hours` (the visit's first value; the exit page its last). */
export const SEALED_VISIT_DIMS: SessionColumn[] = [...new Set(VISIT_SPECS.map((spec) => spec.column))];

const DAY = '{day:Date}';
const VERSION = '{version:UInt32}';
const DAY_HOURS =
  `hour >= toDateTime(${DAY}, 'UTC') AND hour < toDateTime(${DAY}, 'UTC') + INTERVAL 1 DAY` +
  ' AND site_id IN {sites:Array(UInt32)}';

/** One row per visit of the day, every site, with the columns the seal needs. */
const VISITS = `
  SELECT site_id, session_id, min(hour) AS visit_hour,
    any(visitor_id) AS visitor_id,
    sum(pageviews) AS pageviews,
    sum(interactive_events) AS interactive_events,
    toInt64(max(ended_at)) - toInt64(min(started_at)) AS duration,
    ${SEALED_VISIT_DIMS.map((c) => `${SESSION_COLUMNS[c]} AS ${c}`).join(', ')}
  FROM visit_hours
  WHERE ${DAY_HOURS}
  GROUP BY site_id, session_id
  HAVING sum(pageviews) > 0 OR sum(interactive_events) > 0`;

const SEAL_STATEMENTS: string[] = [
  // Every visit dimension.
  `INSERT INTO stats_daily (site_id, dim, day, version, value, visitors, visits, pageviews, bounces, duration)
   SELECT site_id, pair.1, ${DAY}, ${VERSION}, pair.2,
     uniq(visitor_id), count(), sum(pageviews), countIf(pageviews = 1 AND interactive_events = 0), sum(duration)
   FROM (${VISITS}) AS v
   ARRAY JOIN [${SEALED_VISIT_DIMS.map((c) => `('${c}', ${c})`).join(', ')}] AS pair
   GROUP BY site_id, pair.1, pair.2`,
  // Pages (engagement-only rows too: the reader keeps pages with pageviews over the range). Scroll
  // depth and engaged time are per visit (plan/engagement.ts): a visit never spans two UTC days, so
  // a day's sums of per-visit values add up with other days' and with unsealed hours'.
  `INSERT INTO stats_daily (site_id, dim, day, version, value, visitors, pageviews,
     scroll_depth_sum, scroll_depth_count, engaged_ms_sum, engaged_count)
   SELECT site_id, 'page', ${DAY}, ${VERSION}, page, sum(page_visitors), sum(page_views),
     sum(sd_sum), sum(sd_count), sum(eng_sum), sum(eng_count)
   FROM (
     SELECT site_id, pathname AS page, uniqMerge(visitors) AS page_visitors, sum(pageviews) AS page_views,
       ${ENGAGEMENT_COLUMNS.map((c) => `toUInt64(0) AS ${c}`).join(', ')}
     FROM pages_hourly
     WHERE ${DAY_HOURS}
     GROUP BY site_id, pathname
     UNION ALL
     SELECT v.site_id, v.page, toUInt64(0), toUInt64(0), ${ENGAGEMENT_COLUMNS.map((c) => `sum(v.${c})`).join(', ')}
     FROM (${engagementVisits(
       [
         ['e.site_id', 'site_id'],
         ['e.pathname', 'page'],
       ],
       [
         'e.site_id IN {sites:Array(UInt32)}',
         `e.timestamp >= toDateTime(${DAY}, 'UTC')`,
         `e.timestamp < toDateTime(${DAY}, 'UTC') + INTERVAL 1 DAY`,
       ],
     )}) AS v
     GROUP BY v.site_id, v.page
   )
   GROUP BY site_id, page`,
  // Goals.
  `INSERT INTO stats_daily (site_id, dim, day, version, value, visitors, visits, events)
   SELECT site_id, 'goal', ${DAY}, ${VERSION}, toString(name), uniqMerge(visitors), uniqMerge(visits), sum(events)
   FROM events_hourly
   WHERE ${DAY_HOURS}
   GROUP BY site_id, name`,
  // Hour by hour: visitors seen from / up to each hour, and the hour's visits.
  `INSERT INTO stats_hours (site_id, day, version, hour, visitors_from, visitors_to, visits, pageviews, bounces, duration)
   SELECT c.site_id, ${DAY}, ${VERSION}, c.h, c.visitors_from, c.visitors_to,
     ifNull(s.visits, 0), ifNull(s.pageviews, 0), ifNull(s.bounces, 0), ifNull(s.duration, 0)
   FROM (
     SELECT site_id, h, countIf(last_hour >= h) AS visitors_from, countIf(first_hour <= h) AS visitors_to
     FROM (
       SELECT site_id, visitor_id, min(toHour(visit_hour)) AS first_hour, max(toHour(visit_hour)) AS last_hour
       FROM (${VISITS}) GROUP BY site_id, visitor_id
     )
     ARRAY JOIN range(24) AS h
     GROUP BY site_id, h
   ) AS c
   LEFT JOIN (
     SELECT site_id, toHour(visit_hour) AS h, count() AS visits, sum(pageviews) AS pageviews,
       countIf(pageviews = 1 AND interactive_events = 0) AS bounces, sum(duration) AS duration
     FROM (${VISITS}) GROUP BY site_id, h
   ) AS s ON s.site_id = c.site_id AND s.h = c.h
   SETTINGS join_use_nulls = 1`,
];

/** A sealed day of one site and the version readers take (its newest). */
export interface SealedDay {
  /** YYYY-MM-DD, a UTC day. */
  day: string;
  version: number;
}

/**
 * How long a superseded version stays readable: a reader looks the site's sealed days up first
 * and reads them a moment later, so a day sealed again in between must still hold the version
 * that reader saw.
 */
export const SUPERSEDED_GRACE_SECONDS = 600;

/** The site's sealed days with their newest versions; readers plan with this (functions/stats/plan/sealed.ts). */
export async function sealedDays(
  run: (sql: string, params: Record<string, unknown>) => Promise<Record<string, unknown>[]>,
  siteId: number,
): Promise<SealedDay[]> {
  const rows = await run(
    'SELECT toString(day) AS day, max(version) AS version FROM stats_sealed WHERE site_id = {site:UInt32} GROUP BY day',
    { site: siteId },
  );
  return rows.map((row) => ({ day: String(row.day), version: Number(row.version) }));
}

/** Sites whose sealed days one isolate remembers (the oldest are dropped first). */
const LOOKUP_CACHE_SITES = 1000;
const lookups = new Map<number, { at: number; days: Promise<SealedDay[]> }>();

/**
 * `sealedDays`, remembered per site for `ttlSeconds` in this isolate, so that the queries of a
 * dashboard session plan without a ClickHouse round trip first. A remembered list is safe for a
 * while: a day sealed since is read from the hourly rollups as before, and a day sealed again
 * keeps its previous version for SUPERSEDED_GRACE_SECONDS, so the wait is capped well below that.
 * 0 looks up every time.
 */
export function cachedSealedDays(
  run: (sql: string, params: Record<string, unknown>) => Promise<Record<string, unknown>[]>,
  siteId: number,
  ttlSeconds: number,
  nowMs: number = Date.now(),
): Promise<SealedDay[]> {
  const ttlMs = Math.min(ttlSeconds, SUPERSEDED_GRACE_SECONDS / 4) * 1000;
  if (!(ttlMs > 0)) return sealedDays(run, siteId);
  const hit = lookups.get(siteId);
  if (hit && nowMs >= hit.at && nowMs - hit.at < ttlMs) return hit.days;
  const days = sealedDays(run, siteId);
  lookups.delete(siteId);
  lookups.set(siteId, { at: nowMs, days });
  // A failed look is not remembered.
  days.catch(() => {
    if (lookups.get(siteId)?.days === days) lookups.delete(siteId);
  });
  if (lookups.size > LOOKUP_CACHE_SITES) {
    const oldest = lookups.keys().next().value;
    if (oldest !== undefined) lookups.delete(oldest);
  }
  return days;
}

export interface SealResult {
  /** Site-days written in this run. */
  sealed: number;
  /** Days written, newest first (YYYY-MM-DD). */
  days: string[];
  /** Days that still wait for a later run (over the per-run limit). */
  pending: number;
}

/** Per day, newest first: the sites whose sealed figures are missing or out of date. */
export async function daysToSeal(
  client: ClickHouseClient,
  nowMs: number,
  sites?: number[],
): Promise<{ day: string; sites: number[] }[]> {
  const result = await client.query({
    query: `SELECT toString(u.day) AS day, groupArray(u.site_id) AS sites FROM (
              SELECT site_id, toDate(hour) AS day, sum(events) AS events FROM usage_hourly
              WHERE hour < toDateTime({before:UInt32}) ${sites ? 'AND site_id IN {sites:Array(UInt32)}' : ''}
              GROUP BY site_id, day
            ) AS u
            LEFT JOIN (
              SELECT site_id, day, argMax(events, version) AS events FROM stats_sealed
              ${sites ? 'WHERE site_id IN {sites:Array(UInt32)}' : ''}
              GROUP BY site_id, day
            ) AS s ON s.site_id = u.site_id AND s.day = u.day
            WHERE s.day IS NULL OR s.events != u.events
            GROUP BY u.day
            ORDER BY u.day DESC
            SETTINGS join_use_nulls = 1`,
    // Only days that ended at least the grace period ago.
    query_params: { before: Math.floor((nowMs / 1000 - SEAL_GRACE_SECONDS) / 86_400) * 86_400, sites },
    format: 'JSONEachRow',
    // A list of sites of any length.
    ...PARAMS_IN_BODY,
  });
  return (await result.json<{ day: string; sites: (string | number)[] }>()).map((row) => ({
    day: row.day,
    sites: row.sites.map(Number),
  }));
}

/** Seals one day of the given sites under a new version; returns once readers use it. */
export async function sealDay(
  client: ClickHouseClient,
  day: string,
  sites: number[],
  version: number,
): Promise<void> {
  // The counts first: events that arrive while the day is being written make them differ, and
  // the next run seals the day again.
  const counted = await client.query({
    query: `SELECT site_id, sum(events) AS events FROM usage_hourly WHERE ${DAY_HOURS} GROUP BY site_id`,
    query_params: { day, sites },
    format: 'JSONEachRow',
    ...PARAMS_IN_BODY,
  });
  const counts = await counted.json<{ site_id: number; events: string | number }>();
  const params = { day, version, sites };
  for (const statement of SEAL_STATEMENTS) {
    await commandWithBodyParams(client, {
      query: statement,
      query_params: params,
      // Lets a visit's columns carry their rollup names (`sum(pageviews) AS pageviews`).
      clickhouse_settings: { prefer_column_name_to_alias: 1 },
    });
  }
  await client.insert({
    table: 'stats_sealed',
    values: counts.map((row) => ({
      site_id: Number(row.site_id),
      day,
      version,
      events: Number(row.events),
      sealed_at: version,
    })),
    format: 'JSONEachRow',
  });
}

/**
 * Deletes what no reader can take any more: versions superseded by one written at least the grace
 * period ago, and rows of versions that never got their `stats_sealed` row (a run that failed
 * half-way) once that long has passed. The registry rows go last, so a failure here only leaves
 * rows for the next run.
 */
export async function deleteSuperseded(client: ClickHouseClient, nowMs: number): Promise<void> {
  const cutoff = Math.floor(nowMs / 1000) - SUPERSEDED_GRACE_SECONDS;
  const superseded = `(site_id, day, version) IN (
    SELECT site_id, day, arrayJoin(arrayFilter(v -> v < kept, versions)) FROM (
      SELECT site_id, day, groupArray(version) AS versions, maxIf(version, version <= {cutoff:UInt32}) AS kept
      FROM stats_sealed GROUP BY site_id, day))`;
  for (const table of ['stats_daily', 'stats_hours']) {
    await client.command({
      query: `DELETE FROM {table:Identifier} WHERE ${superseded}
                OR (version <= {cutoff:UInt32} AND (site_id, day, version) NOT IN (SELECT site_id, day, version FROM stats_sealed))`,
      query_params: { table, cutoff },
    });
  }
  await client.command({ query: `DELETE FROM stats_sealed WHERE ${superseded}`, query_params: { cutoff } });
}

/**
 * Seals every site-day that needs it, newest day first, at most `maxDays` days per run (the
 * cron's share of work; the rest follow on later runs); `sites` limits the run to those sites.
 * Versions are the run's clock in seconds, raised past any version already written so that a
 * later seal always wins.
 */
export async function sealDays(
  client: ClickHouseClient,
  nowMs: number,
  options: { maxDays?: number; sites?: number[] } = {},
): Promise<SealResult> {
  await deleteSuperseded(client, nowMs);
  const due = await daysToSeal(client, nowMs, options.sites);
  const maxDays = options.maxDays ?? Number.POSITIVE_INFINITY;
  const latest = await client.query({
    query: 'SELECT max(version) AS v FROM stats_sealed',
    format: 'JSONEachRow',
  });
  let version = Math.max(
    Math.floor(nowMs / 1000),
    Number((await latest.json<{ v: string | number }>())[0]?.v ?? 0) + 1,
  );
  const result: SealResult = { sealed: 0, days: [], pending: Math.max(0, due.length - maxDays) };
  for (const { day, sites } of due.slice(0, maxDays)) {
    await sealDay(client, day, sites, version);
    result.sealed += sites.length;
    result.days.push(day);
    version += 1;
  }
  return result;
}
