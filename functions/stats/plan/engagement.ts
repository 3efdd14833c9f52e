/**
 * Scroll depth and time on page are per visit (ENGAGEMENT_PER_VISIT in ../schema.ts): a visit's
 * deepest scroll and its summed engaged time within a group, then averaged over the visits. An
 * hourly or daily row cannot hold that (a visit's pings on a page may fall in several hours and
 * inserts), so the plans that read `pages_hourly` take these two metrics from raw engagement events
 * instead: the pages plan (./rollup.ts), the hours a sealed plan reads beside its sealed days
 * (./sealed.ts) and the seal job (../seal.ts). Engagement events are about a third of a site's
 * events and only five narrow columns are read.
 */
import { ENGAGEMENT_METRICS, ENGAGEMENT_PER_VISIT, type StoredMetric, TABLES } from '../schema';

/** The per-visit columns, summed by whoever reads the rows. */
export const ENGAGEMENT_COLUMNS = Object.keys(ENGAGEMENT_PER_VISIT) as (keyof typeof ENGAGEMENT_PER_VISIT)[];

export function asksEngagement(metrics: readonly StoredMetric[]): boolean {
  return metrics.some((m) => ENGAGEMENT_METRICS.has(m));
}

/**
 * One row per (group, visit) of the engagement events matching `where` (conditions over `e`):
 * the `groups` as `[sql over e, alias]`, then `sd_sum, sd_count, eng_sum, eng_count`.
 */
export function engagementVisits(groups: [sql: string, alias: string][], where: string[]): string {
  const columns = [
    ...groups.map(([sql, alias]) => `${sql} AS ${alias}`),
    ...Object.entries(ENGAGEMENT_PER_VISIT).map(([name, sql]) => `${sql} AS ${name}`),
  ];
  const keys = [...groups.map(([, alias]) => alias), 'e.session_id'];
  return (
    `SELECT ${columns.join(', ')} FROM ${TABLES.events} AS e` +
    ` WHERE ${["e.kind = 'engagement'", ...where].join(' AND ')} GROUP BY ${keys.join(', ')}`
  );
}
