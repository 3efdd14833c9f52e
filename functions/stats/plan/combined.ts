/**
 * Plans that answer several queries of one site in one statement: the panels of a dashboard page
 * (`planCombined`, over sealed days and rollups) and the realtime panels (`planRecent`, over raw
 * events).
 */
import {
  isVisitorRate,
  METRIC_SQL,
  RAW_INNER_COLUMNS,
  type StoredMetric,
  TABLES,
  timeBucketSql,
} from '../schema';
import { coverage, SEALED_METRICS, type SealedItem, sealedItem, sealedUnion } from './sealed';
import { Params, type PlanInput, TZ, utc } from './shared';

/** Several questions of one site, answered by one statement (rows tagged `k`, the index of their question). */
export interface CombinedPlan {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * Plans queries of one site without filters as one statement: the panels of a dashboard page and
 * the comparison periods of its totals, which otherwise cost one statement each. Each range gets
 * its own parts (the same tables, its own hours and sealed days); the rows of every part are summed
 * and ranked together. Rows carry `k` (the index of their query), `total_rows` (per query), `d0`
 * and `m_<metric>`, each query's rows in its order and cut to its limit. Null unless every input
 * is sealed-answerable, unfiltered, from its first row, and (breakdowns) ordered by one of its
 * metrics, with no dimension broken down twice over one range.
 */
export function planCombined(inputs: PlanInput[]): CombinedPlan | null {
  const first = inputs[0];
  if (!first) return null;
  const items: SealedItem[] = [];
  /** Breakdowns ranked by each sort expression: `expression -> ks`. */
  const sortKeys = new Map<string, number[]>();
  /** Range key -> the range, its sealed days and its items. */
  const groups = new Map<string, { input: PlanInput; entries: { k: number; item: SealedItem }[] }>();
  for (const input of inputs) {
    if (input.filters.length > 0 || input.offset !== 0) return null;
    if (input.siteId !== first.siteId || input.timezone !== first.timezone) return null;
    const item = sealedItem(input);
    if (!item) return null;
    const k = items.length;
    const key = `${input.range.from}-${input.range.to}`;
    const group = groups.get(key) ?? { input, entries: [] };
    groups.set(key, group);
    if (item.kind === 'breakdown') {
      if (group.entries.some(({ item: other }) => other.kind === 'breakdown' && other.name === item.name))
        return null;
      // Its order, or Plausible's default: the first metric as asked, highest first.
      const [term, ...more] = input.orderBy;
      const asked = term?.[0] ?? input.rankBy ?? input.metrics[0];
      const field = isVisitorRate(asked) ? 'visitors' : asked;
      const metric = field as StoredMetric | undefined;
      if (more.length > 0 || metric === undefined || !input.metrics.includes(metric)) return null;
      const value = `toFloat64(${SEALED_METRICS[item.cls][metric]})`;
      const expression = term === undefined || term[1] === 'desc' ? `-${value}` : value;
      sortKeys.set(expression, [...(sortKeys.get(expression) ?? []), k]);
    } else if (input.orderBy.length > 0) {
      return null;
    }
    group.entries.push({ k, item });
    items.push(item);
  }
  const params = new Params();
  const wanted = [...new Set(inputs.flatMap((input) => input.metrics))];
  const unions = [...groups.values()].map(({ input, entries }) => {
    const union = sealedUnion(entries, params, coverage(input.range, input.sealed ?? []));
    // Every range but the first reads its own bounds (generated SQL only: values stay parameters).
    if (input === first) return union;
    const from = params.add('DateTime', utc(input.range.from));
    const to = params.add('DateTime', utc(input.range.to));
    return union.replaceAll('{from:DateTime}', from).replaceAll('{to:DateTime}', to);
  });
  const pages = items.flatMap((item, k) => (item.kind === 'breakdown' && item.cls === 'pages' ? [k] : []));
  const exits = items.flatMap((item, k) =>
    item.kind === 'breakdown' && item.metrics.includes('exit_rate') ? [k] : [],
  );
  // Pages without pageviews, and pages that carry only exit_rate's base (never left from), are no rows.
  const kept = [
    ...(pages.length > 0 ? [`NOT has([${pages.join(', ')}], u.k) OR sum(u.pageviews) > 0`] : []),
    ...(exits.length > 0 ? [`NOT has([${exits.join(', ')}], u.k) OR sum(u.visits) > 0`] : []),
  ];
  const having = kept.length > 1 ? kept.map((c) => `(${c})`) : kept;
  const formula = (m: StoredMetric): string => {
    const cls = (['visits', 'pages', 'goals'] as const).find((c) => SEALED_METRICS[c][m] !== undefined);
    return cls ? (SEALED_METRICS[cls][m] as string) : '0';
  };
  const limits = params.add(
    'Array(UInt32)',
    inputs.map((input) => input.limit),
  );
  // Breakdowns by their metric, then by value; totals and time buckets by value alone.
  const ranked = [...sortKeys].map(([expression, ks]) => `has([${ks.join(', ')}], u.k), ${expression}`);
  const sortKey = ranked.length > 0 ? `multiIf(${ranked.join(', ')}, 0)` : '0';
  const sql =
    `SELECT * FROM (SELECT count() OVER (PARTITION BY u.k) AS total_rows,` +
    ` row_number() OVER (PARTITION BY u.k ORDER BY ${sortKey}, u.d0) AS rn, u.k AS k, u.d0 AS d0, ` +
    `${wanted.map((m) => `${formula(m)} AS m_${m}`).join(', ')}` +
    ` FROM (${unions.join(' UNION ALL ')}) AS u GROUP BY u.k, u.d0` +
    (having.length > 0 ? ` HAVING ${having.join(' AND ')}` : '') +
    `) WHERE rn <= ${limits}[k + 1] ORDER BY k, rn`;
  return {
    sql,
    params: {
      ...params.values,
      site: first.siteId,
      from: utc(first.range.from),
      to: utc(first.range.to),
      tz: first.timezone,
    },
  };
}

/** Metrics the raw table answers per visit without the visit row or engagement events. */
const RECENT_METRICS: ReadonlySet<StoredMetric> = new Set(['visitors', 'visits', 'pageviews', 'events']);

/**
 * Plans short date-time ranges of one site (the realtime panels: visitors in the last minutes, the
 * last half hour minute by minute) as one scan of `events`, where each would otherwise be its own
 * statement. Each row of the scan is counted once for every query whose range holds it, exactly as
 * that query's raw plan counts it. Rows carry `k` (the index of their query), `total_rows` (per
 * query), `d0` (a minute, or '' for a query without a dimension) and `m_<metric>`, ordered by `k`
 * then `d0`; a query without a dimension and without events has no row (its answer is all zeros),
 * and cutting each query to its limit is left to the caller. Null unless every input is
 * unfiltered, from its first row, in its default order, of metrics in RECENT_METRICS, and has no
 * dimension or only `time:minute`.
 */
export function planRecent(inputs: PlanInput[]): CombinedPlan | null {
  const first = inputs[0];
  if (!first) return null;
  for (const input of inputs) {
    if (input.filters.length > 0 || input.offset !== 0 || input.orderBy.length > 0) return null;
    if (input.siteId !== first.siteId || input.timezone !== first.timezone) return null;
    if (!input.metrics.every((m) => RECENT_METRICS.has(m))) return null;
    const [dimension, ...rest] = input.dimensions;
    if (rest.length > 0 || (dimension !== undefined && dimension !== 'time:minute')) return null;
  }
  const params = new Params();
  const pairs = inputs.map((input, k) => {
    const bucket = input.dimensions.length > 0 ? timeBucketSql('minute', 'e.timestamp', TZ) : "''";
    const inRange = `e.timestamp >= ${params.add('DateTime', utc(input.range.from))} AND e.timestamp < ${params.add('DateTime', utc(input.range.to))}`;
    return `(toUInt32(${k}), ${bucket}, ${inRange})`;
  });
  const wanted = [...new Set(inputs.flatMap((input) => input.metrics))];
  const bucketed = inputs.flatMap((input, k) => (input.dimensions.length > 0 ? [k] : []));
  const innerColumns = Object.entries(RAW_INNER_COLUMNS).filter(([name]) =>
    ['visitor_id', 'pageviews', 'events'].includes(name),
  );
  const perVisit =
    `SELECT pair.1 AS k, pair.2 AS d0, ${innerColumns.map(([name, sql]) => `${sql} AS ${name}`).join(', ')}` +
    ` FROM ${TABLES.events} AS e ARRAY JOIN [${pairs.join(', ')}] AS pair` +
    ` WHERE e.site_id = {site:UInt32} AND e.timestamp >= {from:DateTime} AND e.timestamp < {to:DateTime}` +
    ` AND e.kind IN ('pageview', 'custom') AND pair.3 GROUP BY k, d0, e.session_id`;
  const sql =
    `SELECT count() OVER (PARTITION BY r.k) AS total_rows, r.k AS k, r.d0 AS d0, ` +
    wanted.map((m) => `${METRIC_SQL.raw[m]} AS m_${m}`).join(', ') +
    ` FROM (${perVisit}) AS r GROUP BY r.k, r.d0` +
    // A minute without events is left out, as the raw plan's HAVING does.
    (bucketed.length > 0 ? ` HAVING NOT has([${bucketed.join(', ')}], r.k) OR sum(r.events) > 0` : '') +
    ' ORDER BY k, d0';
  return {
    sql,
    params: {
      ...params.values,
      site: first.siteId,
      from: utc(Math.min(...inputs.map((input) => input.range.from))),
      to: utc(Math.max(...inputs.map((input) => input.range.to))),
      tz: first.timezone,
    },
  };
}
