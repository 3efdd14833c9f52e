import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { ApiError } from '../errors';
import { authorizeSiteRead } from './access';
import { clickhouseExecutor, runStatsQuery } from './run';
import { parseQuery } from './validate';

/** Largest query body accepted; real queries are a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The Stats API: `POST /api/v2/query`, Plausible's v2 query shape (see docs/stats-api.md).
 * Read-only, so it needs no CSRF token; every query is scoped to one site the caller may read.
 */
export const statsRoutes = new Hono<{ Bindings: Env }>();

statsRoutes.post('/api/v2/query', async function statsQuery(c) {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES)
    throw new ApiError(413, 'too_large', `query bodies are limited to ${MAX_BODY_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_query', 'body: not valid JSON');
  }
  const query = parseQuery(body);
  const site = await authorizeSiteRead(c, query.siteRef);
  return c.json(await runStatsQuery(clickhouseExecutor(c.env), site, query));
});
