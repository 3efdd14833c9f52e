import { Hono } from 'hono';
import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';
import { readJsonValue } from '../../workers/http/body';
import { ApiError } from '../errors';
import { expandSegments } from '../segments/expand';
import { authorizeSiteRead } from './access';
import { MAX_BATCH, runBatch } from './batch';
import { limitReads, readQuery, retryAfter } from './reads';
import { type Executor, PLANNER_SETTINGS, runStatsQuery } from './run';
import { cachedSealedDays } from './seal';
import { parseQuery, type ValidQuery } from './validate';

/** Largest query body accepted; real queries are a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The Stats API: `POST /api/v2/query`, Plausible's v2 query shape (see docs/stats-api.md).
 * Read-only, so it needs no CSRF token; every query is scoped to one site the caller may read.
 */
export const statsRoutes = new Hono<{ Bindings: Env }>();

/** How long an isolate remembers a site's sealed days (`SEALED_CACHE_SECONDS`, default 60). */
function sealedCacheSeconds(env: Env): number {
  return configOf(env).sealedCacheSeconds;
}

/** This request's Stats API executor: the read executor with the planner's settings. */
function statsExecutor(c: Parameters<typeof readQuery>[0]): Executor {
  return readQuery(c, PLANNER_SETTINGS);
}

// A 429 (rate limit) or 503 (ClickHouse unreachable) says when to try again.
statsRoutes.use('/api/v2/query', retryAfter);
statsRoutes.use('/api/v2/query/batch', retryAfter);

statsRoutes.post('/api/v2/query', async function statsQuery(c) {
  const parsed = parseQuery(await readJsonValue(c.req.raw, MAX_BODY_BYTES));
  const read = await authorizeSiteRead(c, parsed.siteRef);
  const { site, principal } = read;
  await limitReads(c, principal, 1);
  const [query] = await expandSegments(c.env.DB, read, [parsed]);
  if (!query || query instanceof ApiError) throw query ?? new Error('no expanded query');
  const execute = statsExecutor(c);
  const lookup = () => cachedSealedDays(execute, site.id, sealedCacheSeconds(c.env));
  return c.json(await runStatsQuery(execute, site, query, Date.now(), { lookup }));
});

/**
 * `POST /api/v2/query/batch`: `{ "queries": [<v2 query>, …] }`, all of one site, answered in order
 * as `{ "results": [{ "status": 200, …response } | { "status": 400, "error": {…} }, …] }`. Each
 * answer equals what `POST /api/v2/query` gives for that query; a bad query fails alone. The
 * dashboard sends one per page load (docs/stats-api.md, "Batches").
 */
statsRoutes.post('/api/v2/query/batch', async function statsBatch(c) {
  const body = await readJsonValue(c.req.raw, MAX_BODY_BYTES * 4);
  const list = (body as { queries?: unknown } | null)?.queries;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(list)) {
    throw new ApiError(400, 'invalid_query', 'queries: expected an array of queries');
  }
  if (list.length === 0 || list.length > MAX_BATCH) {
    throw new ApiError(400, 'invalid_query', `queries: between 1 and ${MAX_BATCH} queries per batch`);
  }
  const parsed = list.map((item, i): ValidQuery | ApiError => {
    try {
      return parseQuery(item);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return new ApiError(error.status, error.code, `queries[${i}].${error.message}`);
    }
  });
  const valid = parsed.filter((q): q is ValidQuery => !(q instanceof ApiError));
  const ref = valid[0]?.siteRef;
  if (valid.some((q) => String(q.siteRef) !== String(ref))) {
    throw new ApiError(400, 'invalid_query', 'queries: every query of a batch must name the same site_id');
  }
  const read = ref === undefined ? null : await authorizeSiteRead(c, ref);
  // Each query of the batch counts, as if it came alone; queries that failed validation run nothing.
  if (read) await limitReads(c, read.principal, valid.length);
  // Saved segments are written out per query; a segment this reader may not apply fails its query alone.
  const expanded = read ? await expandSegments(c.env.DB, read, valid) : [];
  let nextValid = 0;
  const ready = parsed.map((q, i): ValidQuery | ApiError => {
    if (q instanceof ApiError) return q;
    const e = expanded[nextValid++];
    if (!e) throw new Error('batch expansions out of step');
    return e instanceof ApiError ? new ApiError(e.status, e.code, `queries[${i}].${e.message}`) : e;
  });
  const runnable = ready.filter((q): q is ValidQuery => !(q instanceof ApiError));
  const site = read?.site;
  const execute = statsExecutor(c);
  const answers = site
    ? await runBatch(execute, site, runnable, Date.now(), () =>
        cachedSealedDays(execute, site.id, sealedCacheSeconds(c.env)),
      )
    : [];
  let next = 0;
  const results = ready.map((q) => {
    const result = q instanceof ApiError ? { ok: false as const, error: q } : answers[next++];
    if (!result) throw new Error('batch answers out of step');
    return result.ok
      ? { status: 200, ...result.response }
      : { status: result.error.status, error: { code: result.error.code, message: result.error.message } };
  });
  return c.json({ results });
});
