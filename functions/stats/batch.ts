/**
 * Several Stats API queries of one site in one call: what the dashboard sends for a page load.
 * Each query is answered exactly as `POST /api/v2/query` would answer it; the batch only saves
 * work. Plain breakdowns (one dimension, no filters, no comparison, no derived metrics) that the
 * sealed days answer are planned as one ClickHouse statement (`planCombinedBreakdowns`), and the
 * rest run side by side, each as usual.
 */
import { ApiError } from '../errors';
import type { ReadableSite } from './access';
import { resolveRange } from './dates';
import { type PlanInput, planCombinedBreakdowns } from './plan';
import {
  type Executor,
  plannerDimension,
  type QueryResponse,
  type Row,
  runStatsQuery,
  storedMetrics,
} from './run';
import type { ValidQuery } from './validate';

/** Queries per batch: a dashboard page has about twenty panels. */
export const MAX_BATCH = 32;

export type BatchAnswer = { ok: true; response: QueryResponse } | { ok: false; error: ApiError };

/** True for a query the combined statement may answer (it still has to fit `planCombinedBreakdowns`). */
function combinable(query: ValidQuery): boolean {
  return (
    query.dimensions.length === 1 &&
    query.filters.length === 0 &&
    query.include.comparison === null &&
    query.pagination.offset === 0 &&
    !query.metrics.includes('percentage') &&
    !query.metrics.includes('conversion_rate') &&
    !(query.dateRange.kind === 'preset' && query.dateRange.preset === 'all')
  );
}

function planInput(site: ReadableSite, query: ValidQuery, nowMs: number): PlanInput {
  const range = resolveRange(query.dateRange, site.timezone, nowMs, null);
  const dimensions = query.dimensions.map((d) => plannerDimension(d, range));
  return {
    siteId: site.id,
    timezone: site.timezone,
    range,
    metrics: storedMetrics(query.metrics),
    dimensions,
    filters: [],
    orderBy: query.orderBy.map(([field, dir]) => {
      const index = query.dimensions.indexOf(field);
      return [index >= 0 ? (dimensions[index] as string) : field, dir];
    }),
    limit: query.pagination.limit,
    offset: 0,
  };
}

async function answer(run: () => Promise<QueryResponse>): Promise<BatchAnswer> {
  try {
    return { ok: true, response: await run() };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error };
    throw error;
  }
}

/** Answers every query of the batch, in order; a bad query fails alone. */
export async function runBatch(
  execute: Executor,
  site: ReadableSite,
  queries: ValidQuery[],
  nowMs: number = Date.now(),
): Promise<BatchAnswer[]> {
  // Breakdowns the combined statement can answer, one per dimension (a second query of the same
  // dimension runs alone).
  const candidates: number[] = [];
  const inputs: PlanInput[] = [];
  const seen = new Set<string>();
  queries.forEach((query, index) => {
    const dimension = query.dimensions[0];
    if (!combinable(query) || dimension === undefined || seen.has(dimension)) return;
    const input = planInput(site, query, nowMs);
    if (!planCombinedBreakdowns([input])) return;
    seen.add(dimension);
    candidates.push(index);
    inputs.push(input);
  });
  let combined: { indexes: number[]; rows: Promise<Row[][]> } | null = null;
  if (candidates.length > 1) {
    const plan = planCombinedBreakdowns(inputs);
    if (plan) {
      combined = {
        indexes: candidates,
        rows: execute(plan.sql, plan.params).then((rows) => {
          const split: Row[][] = candidates.map(() => []);
          for (const row of rows) split[Number(row.k)]?.push(row);
          // The statement pages by the largest limit; each query keeps its own.
          return split.map((list, k) => list.slice(0, inputs[k]?.limit));
        }),
      };
    }
  }
  return Promise.all(
    queries.map((query, index) =>
      answer(async () => {
        const k = combined?.indexes.indexOf(index) ?? -1;
        const fetched = k >= 0 && combined ? (await combined.rows)[k] : undefined;
        return runStatsQuery(execute, site, query, nowMs, fetched);
      }),
    ),
  );
}
