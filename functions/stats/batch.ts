/**
 * Several Stats API queries of one site in one call: what the dashboard sends for a page load.
 * Each query is answered exactly as `POST /api/v2/query` would answer it; the batch only saves
 * work: the queries of one range without filters that the sealed days answer (breakdowns of one
 * dimension, the site's totals, its time buckets) and the comparison periods of those totals and
 * buckets are planned as one ClickHouse statement (`planCombined`); short date-time ranges (the
 * realtime panels) share one scan of `events` (`planRecent`); the rest run side by side, each as
 * usual.
 */
import { ApiError } from '../errors';
import type { ReadableSite } from './access';
import { comparisonRange, resolveRange } from './dates';
import { type PlanInput, planCombined, planRecent } from './plan';
import {
  type Executor,
  type Fetched,
  planInputFor,
  plannerDimension,
  type QueryResponse,
  type Row,
  runStatsQuery,
} from './run';
import { isVisitorRate, NULLABLE_METRICS } from './schema';
import { type SealedDay, sealedDays } from './seal';
import { isTimeDimension, MAX_LIMIT, type ValidQuery } from './validate';

/** Queries per batch: a dashboard page has about twenty panels. */
export const MAX_BATCH = 32;

export type BatchAnswer = { ok: true; response: QueryResponse } | { ok: false; error: ApiError };

/** True for a query the combined statement may answer (it still has to fit `planCombined`). */
function combinable(query: ValidQuery): boolean {
  // A conversion rate divides by the range's visitors whatever its dimensions (Plausible's rule),
  // which the combined statement reads once for every query that needs them.
  return (
    query.dimensions.length <= 1 &&
    query.filters.length === 0 &&
    query.pagination.offset === 0 &&
    !(query.dateRange.kind === 'preset' && query.dateRange.preset === 'all')
  );
}

function planInput(site: ReadableSite, query: ValidQuery, nowMs: number): PlanInput {
  const range = resolveRange(query.dateRange, site.timezone, nowMs, null);
  return planInputFor(site, query, range, { limit: query.pagination.limit, offset: 0 }, []);
}

/**
 * A combined statement's rows, one list per input (by `k`), cut to each input's limit. An input
 * without dimensions always has one row, as its own query gives: all zeros when nothing matched.
 */
function splitRows(found: Row[], inputs: PlanInput[]): Row[][] {
  const split: Row[][] = inputs.map(() => []);
  for (const row of found) split[Number(row.k)]?.push(row);
  return split.map((rows, k) => {
    const input = inputs[k] as PlanInput;
    if (input.dimensions.length > 0) return rows.slice(0, input.limit);
    if (rows.length > 0) return rows;
    return [
      Object.fromEntries([
        ['total_rows', 1],
        ...input.metrics.map((m) => [`m_${m}`, NULLABLE_METRICS.has(m) ? null : 0]),
      ]),
    ];
  });
}

/** Date-time ranges up to a day (the realtime panels) share one scan of `events` (`planRecent`). */
const RECENT_SECONDS = 86_400;

/**
 * One query's answer; its own mistakes (a bad range, a query over the read limits) fail it
 * alone. ClickHouse being out of reach is nobody's query's fault: it fails the whole batch with
 * the 503 a single query would get, so the client retries the page, not 21 panels one by one.
 */
async function answer(run: () => Promise<QueryResponse>): Promise<BatchAnswer> {
  try {
    return { ok: true, response: await run() };
  } catch (error) {
    if (error instanceof ApiError && error.status !== 503) return { ok: false, error };
    throw error;
  }
}

/** Answers every query of the batch, in order; a bad query fails alone. */
export async function runBatch(
  execute: Executor,
  site: ReadableSite,
  queries: ValidQuery[],
  nowMs: number = Date.now(),
  /** How the site's sealed days are looked up (default: `sealedDays`, every time). */
  lookup: () => Promise<SealedDay[]> = () => sealedDays(execute, site.id),
): Promise<BatchAnswer[]> {
  // One look at the site's sealed days serves every query of the batch. Which queries join the
  // combined statement does not depend on what is sealed, so the others (realtime, filtered) can
  // start while the look is under way; date-time ranges do not wait for it at all.
  const looked = lookup();
  looked.catch(() => {});
  const members = new Map<number, number>();
  const inputs: PlanInput[] = [];
  const breakdowns = new Set<string>();
  let visitorsInput = -1;
  /** The plan input of a query; null for a range that cannot be resolved (it fails alone, below). */
  const inputOf = (query: ValidQuery): PlanInput | null => {
    try {
      return planInput(site, query, nowMs);
    } catch (error) {
      if (error instanceof ApiError) return null;
      throw error;
    }
  };
  queries.forEach((query, index) => {
    if (!combinable(query)) return;
    const input = inputOf(query);
    // Revenue that must be read comes from the raw plan of configured goals alone (./revenue.ts);
    // revenue that is null anyway (no revenue goal) does not stop a query from joining.
    if (!input || (input.revenue?.length ?? 0) > 0) return;
    const firstInput = inputs[0];
    if (firstInput && (firstInput.range.from !== input.range.from || firstInput.range.to !== input.range.to))
      return;
    const dimension = input.dimensions[0];
    const isBreakdown = dimension !== undefined && !isTimeDimension(dimension);
    if (isBreakdown && breakdowns.has(dimension)) return;
    if (!planCombined([input])) return;
    if (isBreakdown) breakdowns.add(dimension);
    members.set(index, inputs.length);
    inputs.push(input);
    const derived = query.metrics.some(isVisitorRate);
    if (derived && visitorsInput < 0) {
      visitorsInput = inputs.length;
      inputs.push({ ...input, metrics: ['visitors'], dimensions: [], orderBy: [], limit: 1 });
    }
  });
  // Short date-time ranges (the realtime panels): one scan of events answers all of them.
  const recent = new Map<number, number>();
  const recentInputs: PlanInput[] = [];
  queries.forEach((query, index) => {
    if (members.has(index) || query.include.comparison || query.pagination.offset !== 0) return;
    const input = inputOf(query);
    if (!input?.range.precise || input.range.to - input.range.from > RECENT_SECONDS) return;
    // Percentages and conversion rates need more than the counts this scan gives.
    if (input.metrics.length !== query.metrics.length || !planRecent([input])) return;
    // Revenue to read comes from the raw plan of configured goals alone (./revenue.ts).
    if ((input.revenue?.length ?? 0) > 0) return;
    recent.set(index, recentInputs.length);
    recentInputs.push(input);
  });
  const recentPlan = recentInputs.length > 1 ? planRecent(recentInputs) : null;
  const recentRows = recentPlan
    ? execute(recentPlan.sql, recentPlan.params).then((found) => splitRows(found, recentInputs))
    : null;
  recentRows?.catch(() => {});

  const answers = queries.map((query, index) => {
    if (members.has(index)) return null;
    const r = recent.get(index);
    if (recentRows && r !== undefined) {
      return answer(async () =>
        runStatsQuery(execute, site, query, nowMs, { main: (await recentRows)[r] ?? [] }),
      );
    }
    return answer(async () => {
      const all = query.dateRange.kind === 'preset' && query.dateRange.preset === 'all';
      const ownLookup = all || resolveRange(query.dateRange, site.timezone, nowMs, null).precise;
      return runStatsQuery(execute, site, query, nowMs, ownLookup ? { lookup } : { sealed: await looked });
    });
  });
  // Awaited below; marked handled so an outage that rejects one early is not reported as unhandled.
  for (const early of answers) early?.catch(() => {});
  // Without the look (ClickHouse failing), each query runs alone and fails or succeeds alone.
  const sealed = await looked.catch(() => undefined);
  if (sealed === undefined) {
    return Promise.all(
      queries.map(
        (query, index) =>
          answers[index] ?? answer(() => runStatsQuery(execute, site, query, nowMs, { lookup })),
      ),
    );
  }
  for (const input of inputs) input.sealed = sealed;

  // Comparison periods of the site's totals and time buckets: planned into the same statement,
  // each range with its own parts (or, when they do not fit it, one more statement per range).
  const comparisons: { index: number; input: PlanInput }[] = [];
  for (const [index, k] of members) {
    const query = queries[index] as ValidQuery;
    const input = inputs[k] as PlanInput;
    const comparison = query.include.comparison;
    if (!comparison || query.dimensions.some((d) => !isTimeDimension(d))) continue;
    const range = comparisonRange(input.range, comparison.mode, site.timezone, comparison.dateRange);
    const dimensions = query.dimensions.map((d) => plannerDimension(d, range));
    comparisons.push({ index, input: { ...input, range, dimensions, limit: MAX_LIMIT } });
  }
  const previous = new Map<number, Promise<Row[]>>();
  const all = [...inputs, ...comparisons.map((c) => c.input)];
  let plan = comparisons.length > 0 ? planCombined(all) : null;
  const together = plan !== null;
  if (!plan) {
    const byRange = new Map<string, { index: number; input: PlanInput }[]>();
    for (const comparison of comparisons) {
      const key = `${comparison.input.range.from}-${comparison.input.range.to}`;
      byRange.set(key, [...(byRange.get(key) ?? []), comparison]);
    }
    for (const list of byRange.values()) {
      const own = list.length > 1 ? planCombined(list.map((l) => l.input)) : null;
      if (!own) continue;
      const inputsOf = list.map((l) => l.input);
      const found = execute(own.sql, own.params).then((rows) => splitRows(rows, inputsOf));
      list.forEach((l, k) => {
        const rows = found.then((split) => split[k] ?? []);
        // Awaited by its query's answer; marked handled so a failure with no one waiting is not fatal.
        rows.catch(() => {});
        previous.set(l.index, rows);
      });
    }
    plan = inputs.length > 1 ? planCombined(inputs) : null;
  }

  let rows: Promise<Row[][]> | null = null;
  if (plan) {
    const planned = together ? all : inputs;
    const found = execute(plan.sql, plan.params).then((list) => splitRows(list, planned));
    rows = found;
    if (together) {
      comparisons.forEach((comparison, i) => {
        const own = found.then((split) => split[inputs.length + i] ?? []);
        own.catch(() => {});
        previous.set(comparison.index, own);
      });
    }
  }
  return Promise.all(
    queries.map(
      (query, index) =>
        answers[index] ??
        answer(async () => {
          const k = members.get(index);
          if (rows === null || k === undefined) return runStatsQuery(execute, site, query, nowMs, { sealed });
          const split = await rows;
          const fetched: Fetched = { main: split[k] ?? [], sealed, previous: await previous.get(index) };
          if (visitorsInput >= 0) fetched.visitors = split[visitorsInput] ?? [];
          return runStatsQuery(execute, site, query, nowMs, fetched);
        }),
    ),
  );
}
