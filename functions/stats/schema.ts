/**
 * The one place where Stats API names meet ClickHouse names. Every table, column and SQL
 * expression the planner emits comes from the constants below; user input only ever reaches SQL
 * as a query parameter (`{pN:Type}`). Renaming a column means changing it here and in the DDL.
 */

export const METRICS = [
  'visitors',
  'visits',
  'pageviews',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
  'events',
  'percentage',
  'conversion_rate',
  'group_conversion_rate',
  'scroll_depth',
  'time_on_page',
  'exit_rate',
  'total_revenue',
  'average_revenue',
] as const;
export type Metric = (typeof METRICS)[number];

/**
 * Plausible's revenue metrics: money of revenue goals, answered as `{ value, currency, … }` or null
 * (functions/stats/revenue.ts decides which currency, the raw plan sums: plan/goals.ts).
 */
export const REVENUE_METRICS = ['total_revenue', 'average_revenue'] as const;
export type RevenueMetric = (typeof REVENUE_METRICS)[number];

export function isRevenueMetric(metric: string): metric is RevenueMetric {
  return (REVENUE_METRICS as readonly string[]).includes(metric);
}

/**
 * Rates of visitors, derived after the query (functions/stats/run.ts): a row's visitors over a
 * divisor. Rows ordered by one are ordered by visitors, the same order wherever the rows share the
 * divisor (percentage, conversion_rate; group_conversion_rate by goal alone).
 */
export const VISITOR_RATES = ['percentage', 'conversion_rate', 'group_conversion_rate'] as const;
export type VisitorRate = (typeof VISITOR_RATES)[number];

export function isVisitorRate(metric: string | undefined): metric is VisitorRate {
  return (VISITOR_RATES as readonly (string | undefined)[]).includes(metric);
}

/**
 * Metrics that the planner reads from ClickHouse as numbers of every source that has them; the
 * visitor rates are derived from visitors, and revenue rides apart (`PlanInput.revenue`), since
 * only the raw plan of configured goals can answer it.
 */
export type StoredMetric = Exclude<Metric, VisitorRate | RevenueMetric>;

export const TIME_DIMENSIONS = [
  'time',
  'time:minute',
  'time:hour',
  'time:day',
  'time:week',
  'time:month',
] as const;
export type TimeDimension = (typeof TIME_DIMENSIONS)[number];
export type Granularity = 'minute' | 'hour' | 'day' | 'week' | 'month';

/**
 * Lower bounds, in seconds, of the buckets of `visit:duration_bucket` (0–10 s, 10–30 s, 30 s–1 min,
 * 1–3 min, 3–10 min, 10–30 min, 30 min and more); a bucket's value is its lower bound as text.
 */
export const VISIT_DURATION_BUCKETS = [0, 10, 30, 60, 180, 600, 1800] as const;

/** The bucket of a visit lasting `seconds` (SQL), as in VISIT_DURATION_BUCKETS. */
function durationBucketSql(seconds: string): string {
  const tests = VISIT_DURATION_BUCKETS.slice(1).map(
    (bound, i) => `${seconds} < ${bound}, ${VISIT_DURATION_BUCKETS[i]}`,
  );
  return `toString(multiIf(${tests.join(', ')}, ${VISIT_DURATION_BUCKETS[VISIT_DURATION_BUCKETS.length - 1]}))`;
}

/**
 * Columns of the per-visit row built from `visit_hours` (alias `s`), with their merge expression.
 * Location and device are one value per visit (they come from the IP and user agent, which make
 * the visitor id); the first touch is one state of eight values joined by 0x1F (schema/clickhouse/0009).
 */
export const SESSION_COLUMNS = {
  visitor_id: 'any(visitor_id)',
  started_at: 'min(started_at)',
  ended_at: 'max(ended_at)',
  pageviews: 'sum(pageviews)',
  interactive_events: 'sum(interactive_events)',
  entry_page: 'argMinMerge(entry_page)',
  exit_page: 'argMaxMerge(exit_page)',
  referrer: "splitByChar('\\x1F', argMinMerge(first_touch))[1]",
  source: "splitByChar('\\x1F', argMinMerge(first_touch))[2]",
  channel: "splitByChar('\\x1F', argMinMerge(first_touch))[3]",
  utm_source: "splitByChar('\\x1F', argMinMerge(first_touch))[4]",
  utm_medium: "splitByChar('\\x1F', argMinMerge(first_touch))[5]",
  utm_campaign: "splitByChar('\\x1F', argMinMerge(first_touch))[6]",
  utm_content: "splitByChar('\\x1F', argMinMerge(first_touch))[7]",
  utm_term: "splitByChar('\\x1F', argMinMerge(first_touch))[8]",
  country: 'any(country)',
  region: 'any(region)',
  city: 'any(city)',
  device: 'any(device)',
  browser: 'any(browser)',
  browser_version: 'any(browser_version)',
  os: 'any(os)',
  os_version: 'any(os_version)',
  duration_bucket: durationBucketSql('(toInt64(max(ended_at)) - toInt64(min(started_at)))'),
} as const;
export type SessionColumn = keyof typeof SESSION_COLUMNS;

/** Columns every visit row carries, whatever the query asks. */
export const BASE_SESSION_COLUMNS: SessionColumn[] = [
  'visitor_id',
  'started_at',
  'ended_at',
  'pageviews',
  'interactive_events',
];

/** A visit counts once it has a pageview or an interactive custom event (not a late engagement ping alone). */
export const SESSION_IS_VISIT = '(s.pageviews > 0 OR s.interactive_events > 0)';

/** Label Plausible uses for visits without a source or referrer. */
export const DIRECT_NONE = 'Direct / None';
/** Label Plausible uses for visits without a UTM tag, device, browser or OS (or their versions). */
export const NOT_SET = '(not set)';
/** Label Plausible uses for events without a custom property. */
export const NO_PROP = '(none)';

interface VisitDimension {
  scope: 'visit';
  /** Column of the visit row. */
  column: SessionColumn;
  /**
   * How an empty value is answered, as Plausible labels it (`Direct / None`, `(not set)`); absent:
   * answered as stored. Filters read the label back as the empty value (functions/stats/plan/shared.ts).
   */
  empty?: typeof DIRECT_NONE | typeof NOT_SET;
  /** Not in sealed days (days sealed before it existed lack it): the hourly rollups answer it. */
  unsealed?: boolean;
}

interface EventDimension {
  scope: 'event';
  /** Expression over raw `events` (alias `e`). */
  raw: string;
  /** Column of `pages_hourly` (alias `p`), when that rollup can answer. */
  pages?: string;
  /** Column of `events_hourly` (alias `g`), when that rollup can answer. */
  goals?: string;
  /** Extra condition on raw rows whenever the dimension is used (goals are custom events only). */
  rawCondition?: string;
}

export type DimensionSpec = VisitDimension | EventDimension;

/** Fixed (non-time, non-props) dimensions. `event:props:<key>` is handled by {@link propsDimension}. */
export const DIMENSIONS: Record<string, DimensionSpec> = {
  'event:page': { scope: 'event', raw: 'e.pathname', pages: 'p.pathname' },
  'event:hostname': { scope: 'event', raw: 'toString(e.hostname)', pages: 'toString(p.hostname)' },
  'event:name': { scope: 'event', raw: 'toString(e.name)' },
  'event:goal': {
    scope: 'event',
    raw: 'toString(e.name)',
    goals: 'toString(g.name)',
    rawCondition: "e.kind = 'custom'",
  },
  'visit:entry_page': { scope: 'visit', column: 'entry_page' },
  'visit:exit_page': { scope: 'visit', column: 'exit_page' },
  'visit:source': { scope: 'visit', column: 'source', empty: DIRECT_NONE },
  'visit:referrer': { scope: 'visit', column: 'referrer', empty: DIRECT_NONE },
  'visit:channel': { scope: 'visit', column: 'channel' },
  'visit:utm_source': { scope: 'visit', column: 'utm_source', empty: NOT_SET },
  'visit:utm_medium': { scope: 'visit', column: 'utm_medium', empty: NOT_SET },
  'visit:utm_campaign': { scope: 'visit', column: 'utm_campaign', empty: NOT_SET },
  'visit:utm_content': { scope: 'visit', column: 'utm_content', empty: NOT_SET },
  'visit:utm_term': { scope: 'visit', column: 'utm_term', empty: NOT_SET },
  // Locations are answered as stored, '' when unknown: Plausible's API gives them no label either.
  'visit:country': { scope: 'visit', column: 'country' },
  // Plausible's names for locations. Names of countries are derived from codes (./country-names.ts);
  // regions and cities are stored as names already.
  'visit:country_name': { scope: 'visit', column: 'country' },
  'visit:region_name': { scope: 'visit', column: 'region' },
  'visit:city_name': { scope: 'visit', column: 'city' },
  'visit:region': { scope: 'visit', column: 'region' },
  'visit:city': { scope: 'visit', column: 'city' },
  'visit:device': { scope: 'visit', column: 'device', empty: NOT_SET },
  'visit:browser': { scope: 'visit', column: 'browser', empty: NOT_SET },
  'visit:browser_version': { scope: 'visit', column: 'browser_version', empty: NOT_SET },
  'visit:os': { scope: 'visit', column: 'os', empty: NOT_SET },
  'visit:os_version': { scope: 'visit', column: 'os_version', empty: NOT_SET },
  // Edgebear's own: the visit duration distribution (VISIT_DURATION_BUCKETS).
  'visit:duration_bucket': { scope: 'visit', column: 'duration_bucket', unsealed: true },
};

export const PROPS_PREFIX = 'event:props:';
export const MAX_PROP_KEY_LENGTH = 300;

/** SQL for a visit dimension: over the visit row `s`, or over `column` (an expression of the same value). */
export function visitDimensionSql(spec: VisitDimension, column = `s.${spec.column}`): string {
  return spec.empty ? `if(${column} = '', '${spec.empty}', ${column})` : column;
}

/**
 * SQL for a custom property; `keyParam` is the placeholder holding the key. Missing → '(none)'
 * (ingest drops empty values, so a present property is never empty, as in Plausible's label).
 */
export function propsDimensionSql(keyParam: string): string {
  return `if(mapContains(e.props, ${keyParam}), e.props[${keyParam}], '${NO_PROP}')`;
}

/**
 * Time buckets as labels in the site's zone. `column` is a DateTime (UTC) column, `tz` the
 * placeholder of the zone. Weeks start on Monday; months on the 1st.
 */
export function timeBucketSql(granularity: Granularity, column: string, tz: string): string {
  switch (granularity) {
    case 'minute':
      return `formatDateTime(toStartOfMinute(toTimeZone(${column}, ${tz})), '%Y-%m-%d %H:%i:00', ${tz})`;
    case 'hour':
      return `formatDateTime(toStartOfHour(toTimeZone(${column}, ${tz})), '%Y-%m-%d %H:00:00', ${tz})`;
    case 'day':
      return `toString(toDate(${column}, ${tz}))`;
    case 'week':
      return `toString(toMonday(${column}, ${tz}))`;
    case 'month':
      return `toString(toStartOfMonth(${column}, ${tz}))`;
  }
}

/**
 * Scroll depth and time on page as Plausible computes them: per visit first (the deepest scroll of
 * its engagement events, the sum of their engaged time), then over the visits that have any; null
 * when none has. One row per (group, visit) of raw events carries these four columns; every plan
 * sums such rows (sealed days hold the sums of a day's visits: a visit never spans two UTC days).
 * Only engagement events carry the two values, so other events in the group change nothing.
 */
export const ENGAGEMENT_PER_VISIT = {
  sd_sum: 'ifNull(max(e.scroll_depth), 0)',
  sd_count: 'toUInt64(count(e.scroll_depth) > 0)',
  eng_sum: 'sum(ifNull(e.engaged_ms, 0))',
  eng_count: 'toUInt64(count(e.engaged_ms) > 0)',
} as const;

/** The two metrics over summed per-visit rows (alias `a`): integers, as Plausible rounds them. */
export function engagementMetricSql(a: string): Record<'scroll_depth' | 'time_on_page', string> {
  return {
    scroll_depth: `if(sum(${a}.sd_count) > 0, round(sum(${a}.sd_sum) / sum(${a}.sd_count)), NULL)`,
    time_on_page: `if(sum(${a}.eng_count) > 0, round(sum(${a}.eng_sum) / sum(${a}.eng_count) / 1000), NULL)`,
  };
}

/**
 * How each stored metric is computed from each source. A source that lacks a metric cannot
 * answer a query asking for it, and the planner moves on to the next source.
 *
 * - `sessions`: one row per visit (`s`), built from `visit_hours`;
 * - `raw`: two levels over raw `events`; the inner level is one row per (dimensions, visit)
 *   with columns `visitor_id, pageviews, events, sd_sum, sd_count, eng_sum, eng_count` and, when
 *   the visit row is joined, `s_pageviews, s_interactive, s_duration`;
 * - `pages`: `pages_hourly` (`p`);
 * - `goals`: `events_hourly` (`g`).
 */
export const METRIC_SQL: Record<
  'sessions' | 'raw' | 'pages' | 'goals',
  Partial<Record<StoredMetric, string>>
> = {
  sessions: {
    visitors: 'uniq(s.visitor_id)',
    visits: 'count()',
    pageviews: 'sum(s.pageviews)',
    views_per_visit: 'round(ifNotFinite(sum(s.pageviews) / count(), 0), 2)',
    bounce_rate:
      'round(ifNotFinite(100 * countIf(s.pageviews = 1 AND s.interactive_events = 0) / count(), 0))',
    visit_duration: 'round(ifNotFinite(avg(toInt64(s.ended_at) - toInt64(s.started_at)), 0))',
    // By visit:exit_page only: visits ending on the page ÷ its pageviews (`x`, joined by the
    // planner: functions/stats/plan/exit-rate.ts), to one decimal as Plausible rounds it.
    exit_rate: 'if(any(x.pageviews) > 0, round(100 * count() / any(x.pageviews), 1), NULL)',
  },
  raw: {
    visitors: 'uniqIf(r.visitor_id, r.events > 0)',
    visits: 'countIf(r.events > 0)',
    pageviews: 'sum(r.pageviews)',
    events: 'sum(r.events)',
    views_per_visit: 'round(ifNotFinite(sumIf(r.s_pageviews, r.events > 0) / countIf(r.events > 0), 0), 2)',
    // Only the visits that entered where the query says count (`s_bounce_base`, `s_duration_base`:
    // Plausible's rules for a page filter and a page breakdown, functions/stats/plan/entry.ts).
    bounce_rate:
      'round(ifNotFinite(100 * countIf(r.events > 0 AND r.s_bounce_base AND r.s_pageviews = 1 AND r.s_interactive = 0) / countIf(r.events > 0 AND r.s_bounce_base), 0))',
    visit_duration: 'round(ifNotFinite(avgIf(r.s_duration, r.events > 0 AND r.s_duration_base), 0))',
    exit_rate: 'if(any(x.pageviews) > 0, round(100 * countIf(r.events > 0) / any(x.pageviews), 1), NULL)',
    ...engagementMetricSql('r'),
  },
  // Scroll depth and time on page are per visit (engagementMetricSql): the planner adds them from
  // raw engagement events (functions/stats/plan/engagement.ts), which the hourly rows cannot hold.
  pages: {
    visitors: 'uniqMerge(p.visitors)',
    pageviews: 'sum(p.pageviews)',
  },
  goals: {
    visitors: 'uniqMerge(g.visitors)',
    visits: 'uniqMerge(g.visits)',
    events: 'sum(g.events)',
  },
};

/** Inner (per dimensions × visit) columns of the raw plan. */
export const RAW_INNER_COLUMNS = {
  visitor_id: 'any(e.visitor_id)',
  pageviews: "countIf(e.kind = 'pageview')",
  events: "countIf(e.kind IN ('pageview', 'custom'))",
  ...ENGAGEMENT_PER_VISIT,
} as const;

/** Extra inner columns of the raw plan that need the visit row. */
export const RAW_INNER_SESSION_COLUMNS = {
  s_pageviews: 'any(s.pageviews)',
  s_interactive: 'any(s.interactive_events)',
  s_duration: 'any(toInt64(s.ended_at) - toInt64(s.started_at))',
  // 1 when the visit counts for bounce_rate / visit_duration; the raw plan narrows them to visits
  // that entered on the page under a page filter or breakdown (functions/stats/plan/entry.ts).
  s_bounce_base: '1',
  s_duration_base: '1',
} as const;

/** Metrics that describe whole visits and so need the visit row in the raw plan. */
export const SESSION_METRICS: ReadonlySet<StoredMetric> = new Set([
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
]);

/** Metrics that read engagement events (raw kinds must include them). */
export const ENGAGEMENT_METRICS: ReadonlySet<StoredMetric> = new Set(['scroll_depth', 'time_on_page']);

/**
 * Metrics that have no value (null, as Plausible answers) where there is nothing to average or
 * divide by: a page no visit sent engagement from, an exit page without pageviews in the range.
 */
export const NULLABLE_METRICS: ReadonlySet<Metric> = new Set(['scroll_depth', 'time_on_page', 'exit_rate']);

export const TABLES = {
  events: 'events',
  sessions: 'visit_hours',
  pages: 'pages_hourly',
  goals: 'events_hourly',
  usage: 'usage_hourly',
} as const;
