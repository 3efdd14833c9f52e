import type { ResolvedRange } from '../dates';
import {
  BASE_SESSION_COLUMNS,
  DIMENSIONS,
  type DimensionSpec,
  engagementMetricSql,
  type Granularity,
  SESSION_IS_VISIT,
  type SessionColumn,
  type StoredMetric,
  TABLES,
  timeBucketSql,
  visitDimensionSql,
} from '../schema';
import type { SealedDay } from '../seal';
import { type Filter, filterDimensions, isTimeDimension } from '../validate';
import { ENGAGEMENT_COLUMNS, engagementVisits } from './engagement';
import { goalsInPlay } from './goals';
import {
  finish,
  GRANULARITY,
  hourAligned,
  Params,
  type Plan,
  type PlanInput,
  type Resolver,
  sessionsSubquery,
  TZ,
  utc,
  whereFilters,
} from './shared';

/**
 * Sealed days (schema/clickhouse/0005_stats_daily.sql): ended UTC days as plain numbers in
 * `stats_daily` and `stats_hours`, with the hours of days not sealed yet (today, late data) read
 * from the hourly rollups as usual and added. Visitors add up across UTC days (their ids come from
 * that day's salt), which is what lets a day be counted once and summed afterwards.
 */
type SealedClass = 'visits' | 'pages' | 'goals';

/** Columns both halves of a sealed plan produce, in this order. */
const SEALED_COLUMNS = [
  'visitors',
  'visits',
  'pageviews',
  'events',
  'bounces',
  'duration',
  'sd_sum',
  'sd_count',
  'eng_sum',
  'eng_count',
  // Pageviews of an exit page, from the page rows: the base of exit_rate (./exit-rate.ts).
  'exit_base',
] as const;
type SealedColumn = (typeof SEALED_COLUMNS)[number];

/** How each sealed column is read from `stats_daily`. */
const SEALED_SOURCE: Record<SealedColumn, string> = {
  visitors: 'visitors',
  visits: 'visits',
  pageviews: 'pageviews',
  events: 'events',
  bounces: 'bounces',
  duration: 'duration',
  sd_sum: 'scroll_depth_sum',
  sd_count: 'scroll_depth_count',
  eng_sum: 'engaged_ms_sum',
  eng_count: 'engaged_count',
  // The rows of the breakdown's own dimension carry no base; the page rows do (sealedUnion).
  exit_base: '0',
};

export const SEALED_METRICS: Record<SealedClass, Partial<Record<StoredMetric, string>>> = {
  visits: {
    visitors: 'sum(u.visitors)',
    visits: 'sum(u.visits)',
    pageviews: 'sum(u.pageviews)',
    views_per_visit: 'round(ifNotFinite(sum(u.pageviews) / sum(u.visits), 0), 2)',
    bounce_rate: 'round(ifNotFinite(100 * sum(u.bounces) / sum(u.visits), 0))',
    visit_duration: 'round(ifNotFinite(sum(u.duration) / sum(u.visits), 0))',
    // By exit page only (validation): rows of pages never left from are dropped (HAVING visits).
    exit_rate: 'if(sum(u.exit_base) > 0, round(100 * sum(u.visits) / sum(u.exit_base), 1), NULL)',
  },
  pages: {
    visitors: 'sum(u.visitors)',
    pageviews: 'sum(u.pageviews)',
    // Sealed rows hold a day's per-visit sums (functions/stats/seal.ts); other hours add theirs from
    // engagement events (./engagement.ts).
    ...engagementMetricSql('u'),
  },
  goals: {
    visitors: 'sum(u.visitors)',
    visits: 'sum(u.visits)',
    events: 'sum(u.events)',
  },
};

/** The sealed columns each metric is computed from. */
const METRIC_COLUMNS: Record<StoredMetric, SealedColumn[]> = {
  visitors: ['visitors'],
  visits: ['visits'],
  pageviews: ['pageviews'],
  events: ['events', 'pageviews'],
  views_per_visit: ['pageviews', 'visits'],
  bounce_rate: ['bounces', 'visits'],
  visit_duration: ['duration', 'visits'],
  scroll_depth: ['sd_sum', 'sd_count'],
  time_on_page: ['eng_sum', 'eng_count'],
  exit_rate: ['visits', 'exit_base'],
};

/** Columns a union must fill for these metrics (pages always need pageviews: a page without any is left out). */
function neededColumns(metrics: StoredMetric[]): Set<SealedColumn> {
  return new Set<SealedColumn>(['pageviews', ...metrics.flatMap((m) => METRIC_COLUMNS[m])]);
}

/**
 * A select list of the sealed columns, as UInt64: `values` for those `needed`, 0 for the rest (so
 * nothing unneeded is read or aggregated).
 */
function sealedSelect(values: Partial<Record<SealedColumn, string>>, needed: Set<SealedColumn>): string {
  return SEALED_COLUMNS.map((c) => `toUInt64(${needed.has(c) ? (values[c] ?? '0') : '0'}) AS ${c}`).join(
    ', ',
  );
}

/** Which sealed rows answer a one-dimension breakdown, or null when none do. */
function sealedBreakdown(
  name: string,
  metrics: StoredMetric[],
): { cls: SealedClass; dim: string; spec: DimensionSpec } | null {
  const spec = DIMENSIONS[name];
  if (!spec) return null;
  const fits = (cls: SealedClass) => metrics.every((m) => SEALED_METRICS[cls][m] !== undefined);
  if (spec.scope === 'event') {
    if (name === 'event:page' && fits('pages')) return { cls: 'pages', dim: 'page', spec };
    if (name === 'event:goal' && fits('goals')) return { cls: 'goals', dim: 'goal', spec };
    return null;
  }
  // Every visit dimension but the unsealed ones is sealed from the visit rows (functions/stats/seal.ts).
  if (fits('visits') && !spec.unsealed) return { cls: 'visits', dim: spec.column, spec };
  return null;
}

/** Filters that only test `dimension` itself (the comparison's "these rows" filter, a row click). */
function onlyFilters(filters: Filter[], dimension: string): boolean {
  return filterDimensions(filters).every((d) => d === dimension);
}

const DAY_SECONDS = 86_400;

/** Whole UTC days inside the range: [dayFrom, dayTo) as epoch seconds (empty when from >= to). */
function wholeDays(range: ResolvedRange): { from: number; to: number } {
  const from = Math.ceil(range.from / DAY_SECONDS) * DAY_SECONDS;
  const to = Math.floor(range.to / DAY_SECONDS) * DAY_SECONDS;
  return to > from ? { from, to } : { from, to: from };
}

/**
 * One question of a sealed plan: a breakdown of one dimension, or the site as a whole (in one
 * bucket, or in day / week / month buckets of the site's zone).
 */
export type SealedItem = { metrics: StoredMetric[] } & (
  | { kind: 'breakdown'; name: string; cls: SealedClass; dim: string; spec: DimensionSpec }
  | { kind: 'totals'; granularity: Granularity | null }
);

/** [from, to) in epoch seconds. */
type Span = [number, number];

/** `spans` minus the UTC days in `days` (epoch seconds of their midnights), merged and in order. */
function withoutDays(spans: Span[], days: number[]): Span[] {
  let out = spans;
  for (const day of days) {
    out = out.flatMap(([a, b]): Span[] => {
      if (day + DAY_SECONDS <= a || day >= b) return [[a, b]];
      const left: Span[] = a < day ? [[a, day]] : [];
      const right: Span[] = day + DAY_SECONDS < b ? [[day + DAY_SECONDS, b]] : [];
      return [...left, ...right];
    });
  }
  return out;
}

/**
 * What the sealed days cover of a range, worked out from the site's sealed days so that the SQL
 * holds plain values (no subquery per part): the whole UTC days inside the range that are sealed
 * (breakdowns read them from `stats_daily`, totals from `stats_hours`, hour by hour for the
 * buckets of the site's zone), and the hours left to the hourly rollups.
 *
 * A day the range cuts (its first and last UTC day, in a zone that is not UTC) is read from the
 * hourly rollups, not from `stats_hours`: a visit may cross the hour where the range ends, and the
 * rollups count only its part inside the range, as every other plan does, where a sealed hour
 * holds the whole visit in the hour it began.
 */
interface Coverage {
  /** Sealed whole days inside the range (`stats_daily`, `stats_hours`). */
  daily: SealedDay[];
  /** Hours read from the hourly rollups. */
  spans: Span[];
}

export function coverage(range: ResolvedRange, sealed: SealedDay[]): Coverage {
  const whole = wholeDays(range);
  const at = (day: SealedDay) => Date.parse(`${day.day}T00:00:00Z`) / 1000;
  const daily = sealed.filter((d) => at(d) >= whole.from && at(d) < whole.to);
  return { daily, spans: withoutDays([[range.from, range.to]], daily.map(at)) };
}

/** SQL true for `column` inside one of `spans` (false when there are none), values as parameters. */
function spansSql(column: string, spans: Span[], params: Params): string {
  if (spans.length === 0) return '0';
  return `(${spans
    .map(
      ([a, b]) =>
        `(${column} >= ${params.add('DateTime', utc(a))} AND ${column} < ${params.add('DateTime', utc(b))})`,
    )
    .join(' OR ')})`;
}

/** SQL true for rows of the given days and versions (`day`, `version` columns), as parameters. */
function versionsSql(days: SealedDay[], params: Params): string {
  if (days.length === 0) return '0';
  // One number per (day, version): the day number in the high 32 bits.
  const keys = days.map((d) => (Date.parse(`${d.day}T00:00:00Z`) / 1000 / DAY_SECONDS) * 2 ** 32 + d.version);
  return `(toUInt64(day) * 4294967296 + version) IN ${params.add('Array(UInt64)', keys)}`;
}

/** What a query asks, as a sealed item; null when sealed days cannot answer it. */
export function sealedItem(input: PlanInput): SealedItem | null {
  if (!input.sealed || !hourAligned(input.range) || goalsInPlay(input)) return null;
  const [name, ...rest] = input.dimensions;
  if (rest.length > 0) return null;
  if (name === undefined || isTimeDimension(name)) {
    const granularity = name === undefined ? null : (GRANULARITY[name] ?? null);
    if (name !== undefined && (granularity === null || granularity === 'minute' || granularity === 'hour'))
      return null;
    // Buckets start at local midnight only for ranges of whole days.
    if (input.filters.length > 0 || input.range.precise) return null;
    if (!input.metrics.every((m) => SEALED_METRICS.visits[m] !== undefined)) return null;
    return { kind: 'totals', granularity, metrics: input.metrics };
  }
  const found = sealedBreakdown(name, input.metrics);
  if (!found || !onlyFilters(input.filters, name)) return null;
  return { kind: 'breakdown', name, ...found, metrics: input.metrics };
}

/**
 * Rows `k, d0, <sealed columns>` for every item (k = its index): sealed days from `stats_daily`
 * (breakdowns) and `stats_hours` (the site as a whole), plus the hours they do not cover from
 * the hourly rollups; one scan per table whatever the number of items. Group by (k, d0) and sum.
 */
export function sealedUnion(
  entries: { k: number; item: SealedItem }[],
  params: Params,
  cov: Coverage,
): string {
  /** Columns the given items need (pageviews always: pages without any are left out). */
  const columnsOf = (list: { item: SealedItem }[]) => neededColumns(list.flatMap(({ item }) => item.metrics));
  const parts: string[] = [];
  const breakdowns = entries.flatMap(({ k, item }) => (item.kind === 'breakdown' ? [{ k, item }] : []));
  const totals = entries.flatMap(({ k, item }) => (item.kind === 'totals' ? [{ k, item }] : []));
  const size = Math.max(0, ...entries.map(({ k }) => k + 1));
  const range = 'hour >= {from:DateTime} AND hour < {to:DateTime}';

  if (breakdowns.length > 0 && cov.daily.length > 0) {
    // Position k holds item k's dim ('' for other items, a name no row has).
    const byK = new Map(breakdowns.map(({ k, item }) => [k, item.kind === 'breakdown' ? item.dim : '']));
    const dims = params.add(
      'Array(String)',
      Array.from({ length: size }, (_, k) => byK.get(k) ?? ''),
    );
    // Empty values as Plausible labels them (Direct / None, (not set)), per dim; '' stays ''.
    const labels = Array.from({ length: size }, (_, k) => {
      const spec = breakdowns.find((b) => b.k === k)?.item.spec;
      return spec?.scope === 'visit' ? (spec.empty ?? '') : '';
    });
    const shown = labels.some((l) => l !== '')
      ? `if(value = '', ${params.add('Array(String)', labels)}[indexOf(${dims}, dim)], value)`
      : 'value';
    parts.push(
      `SELECT toUInt32(indexOf(${dims}, dim) - 1) AS k, ${shown} AS d0, ${sealedSelect(SEALED_SOURCE, columnsOf(breakdowns))}` +
        ` FROM stats_daily WHERE site_id = {site:UInt32} AND dim IN ${dims}` +
        ` AND day IN ${params.add(
          'Array(String)',
          cov.daily.map((d) => d.day),
        )} AND ${versionsSql(cov.daily, params)}`,
    );
  }

  // Visits not sealed: one scan of visit_hours for every visit breakdown and every total.
  const visitBreakdowns = breakdowns.flatMap(({ k, item }) =>
    item.cls === 'visits' && item.spec.scope === 'visit' ? [{ k, spec: item.spec }] : [],
  );
  if ((visitBreakdowns.length > 0 || totals.length > 0) && cov.spans.length > 0) {
    const columns = new Set<SessionColumn>([
      ...BASE_SESSION_COLUMNS,
      ...visitBreakdowns.map((v) => v.spec.column),
    ]);
    const pairs = [
      // (k, value): a breakdown's value.
      ...visitBreakdowns.map((v) => `(toUInt32(${v.k}), ${visitDimensionSql(v.spec)})`),
      // (k, bucket): a total's time bucket, or '' for the range as a whole.
      ...totals.map(
        ({ k, item }) =>
          `(toUInt32(${k}), ${item.granularity ? timeBucketSql(item.granularity, 's.started_at', TZ) : "''"})`,
      ),
    ];
    parts.push(
      `SELECT pair.1 AS k, pair.2 AS d0, ${sealedSelect(
        {
          visitors: 'uniq(s.visitor_id)',
          visits: 'count()',
          pageviews: 'sum(s.pageviews)',
          bounces: 'countIf(s.pageviews = 1 AND s.interactive_events = 0)',
          duration: 'sum(toInt64(s.ended_at) - toInt64(s.started_at))',
        },
        columnsOf([
          ...breakdowns.filter(({ item }) => item.kind === 'breakdown' && item.cls === 'visits'),
          ...totals,
        ]),
      )}` +
        ` FROM (${sessionsSubquery(columns, spansSql('hour', cov.spans, params))}) AS s` +
        ` ARRAY JOIN [${pairs.join(', ')}] AS pair WHERE ${SESSION_IS_VISIT} GROUP BY k, d0`,
    );
  }

  // The site as a whole on sealed days. A bucket's part of one UTC day is always a run of hours
  // that starts at 0 or ends at 23 (buckets and the range begin at local midnight, and a UTC day
  // holds one local midnight), so its visitors are `visitors_to` of its last hour or
  // `visitors_from` of its first.
  if (totals.length > 0 && cov.daily.length > 0) {
    const at = "toDateTime(day, 'UTC') + toIntervalHour(hour)";
    const buckets = totals.map(
      ({ k, item }) =>
        `(toUInt32(${k}), ${item.granularity ? timeBucketSql(item.granularity, at, TZ) : "''"})`,
    );
    parts.push(
      `SELECT b.1 AS k, b.2 AS d0, ${sealedSelect(
        {
          visitors: 'if(min(hour) = 0, argMax(visitors_to, hour), argMin(visitors_from, hour))',
          visits: 'sum(visits)',
          pageviews: 'sum(pageviews)',
          bounces: 'sum(bounces)',
          duration: 'sum(duration)',
        },
        columnsOf(totals),
      )}` +
        ` FROM stats_hours ARRAY JOIN [${buckets.join(', ')}] AS b WHERE site_id = {site:UInt32}` +
        ` AND day IN ${params.add(
          'Array(String)',
          cov.daily.map((d) => d.day),
        )}` +
        ` AND ${at} >= {from:DateTime} AND ${at} < {to:DateTime} AND ${versionsSql(cov.daily, params)}` +
        ' GROUP BY k, d0, day',
    );
  }

  const page = breakdowns.find(({ item }) => item.cls === 'pages');
  if (page && cov.spans.length > 0) {
    const needed = columnsOf([page]);
    parts.push(
      `SELECT toUInt32(${page.k}) AS k, pathname AS d0, ${sealedSelect(
        { visitors: 'uniqMerge(visitors)', pageviews: 'sum(pageviews)' },
        needed,
      )}` +
        ` FROM ${TABLES.pages} WHERE site_id = {site:UInt32} AND ${range} AND ${spansSql('hour', cov.spans, params)} GROUP BY d0`,
    );
    if (ENGAGEMENT_COLUMNS.some((c) => needed.has(c))) {
      const visits = engagementVisits(
        [['e.pathname', 'd0']],
        [
          'e.site_id = {site:UInt32}',
          'e.timestamp >= {from:DateTime}',
          'e.timestamp < {to:DateTime}',
          spansSql('e.timestamp', cov.spans, params),
        ],
      );
      const sums = Object.fromEntries(ENGAGEMENT_COLUMNS.map((c) => [c, `sum(v.${c})`]));
      parts.push(
        `SELECT toUInt32(${page.k}) AS k, v.d0 AS d0, ${sealedSelect(sums, needed)} FROM (${visits}) AS v GROUP BY d0`,
      );
    }
  }
  const goal = breakdowns.find(({ item }) => item.cls === 'goals');
  if (goal && cov.spans.length > 0) {
    parts.push(
      `SELECT toUInt32(${goal.k}) AS k, toString(name) AS d0, ${sealedSelect(
        {
          visitors: 'uniqMerge(visitors)',
          visits: 'uniqMerge(visits)',
          events: 'sum(events)',
        },
        columnsOf([goal]),
      )}` +
        ` FROM ${TABLES.goals} WHERE site_id = {site:UInt32} AND ${range} AND ${spansSql('hour', cov.spans, params)} GROUP BY d0`,
    );
  }
  // exit_rate's base: every pageview of the page, sealed or not, in the exit page's own rows.
  const base = new Set<SealedColumn>(['exit_base']);
  for (const { k } of breakdowns.filter(({ item }) => item.metrics.includes('exit_rate'))) {
    if (cov.daily.length > 0) {
      parts.push(
        `SELECT toUInt32(${k}) AS k, value AS d0, ${sealedSelect({ exit_base: 'pageviews' }, base)}` +
          ` FROM stats_daily WHERE site_id = {site:UInt32} AND dim = ${params.add('String', 'page')}` +
          ` AND day IN ${params.add(
            'Array(String)',
            cov.daily.map((d) => d.day),
          )} AND ${versionsSql(cov.daily, params)}`,
      );
    }
    if (cov.spans.length > 0) {
      parts.push(
        `SELECT toUInt32(${k}) AS k, pathname AS d0, ${sealedSelect({ exit_base: 'sum(pageviews)' }, base)}` +
          ` FROM ${TABLES.pages} WHERE site_id = {site:UInt32} AND ${range} AND ${spansSql('hour', cov.spans, params)} GROUP BY d0`,
      );
    }
  }
  // Nothing to read at all (a range with no hours?): one empty row set of the right shape.
  if (parts.length === 0)
    parts.push(`SELECT toUInt32(0) AS k, '' AS d0, ${sealedSelect({}, new Set())} WHERE 0`);
  return parts.join(' UNION ALL ');
}

/** The class whose formulas compute an item's metrics. */
function itemClass(item: SealedItem): SealedClass {
  return item.kind === 'totals' ? 'visits' : item.cls;
}

/** The sealed plan for this query, or null when sealed days cannot answer it. */
export function planSealed(input: PlanInput): Plan | null {
  const item = sealedItem(input);
  if (!item) return null;
  const params = new Params();
  const union = sealedUnion([{ k: 0, item }], params, coverage(input.range, input.sealed ?? []));
  const cls = itemClass(item);
  const metrics = input.metrics.map((m) => `${SEALED_METRICS[cls][m]} AS m_${m}`).join(', ');
  if (item.kind === 'totals') {
    const dims = item.granularity ? 'u.d0 AS d0, ' : '';
    return finish(input, 'sealed', `SELECT ${dims}${metrics} FROM (${union}) AS u`, params);
  }
  const resolve: Resolver = (dimension) => {
    if (dimension !== item.name) throw new Error(`${dimension} is not ${item.name}`);
    return { sql: 'u.d0' };
  };
  const where = whereFilters(input.filters, resolve, params);
  const inner =
    `SELECT u.d0 AS d0, ${metrics} FROM (${union}) AS u` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '');
  const having =
    cls === 'pages'
      ? ' HAVING sum(u.pageviews) > 0'
      : item.metrics.includes('exit_rate')
        ? ' HAVING sum(u.visits) > 0'
        : '';
  return finish(input, 'sealed', inner, params, having);
}
