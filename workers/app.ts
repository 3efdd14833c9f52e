import { Hono } from 'hono';
import { ApiError } from '../functions/errors';
import { api } from '../functions/index';
import type { Env } from './env';
import { ingestRoutes } from './ingest/routes';
import { log } from './observability/log';
import { reportError } from './observability/sentry';

/** All HTTP routes; anything else falls through to the static assets (dashboard, script, demo). */
export const app = new Hono<{ Bindings: Env }>();

app.route('/', ingestRoutes);
app.route('/', api);

app.notFound((c) => {
  // Worker-only prefixes never fall through to the dashboard's single-page fallback.
  if (/^\/(api|admin|dev)\//.test(c.req.path) || c.req.path === '/metrics') {
    return c.json(
      { error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } },
      404,
    );
  }
  return c.env.ASSETS.fetch(c.req.raw);
});

app.onError((error, c) => {
  if (error instanceof ApiError) {
    return c.json({ error: { code: error.code, message: error.message } }, error.status);
  }
  log('error', 'unhandled error', { path: c.req.path, error: error.message });
  c.executionCtx.waitUntil(reportError(c.env, c.executionCtx, error, { path: c.req.path }));
  return c.json({ error: { code: 'internal', message: 'something went wrong on our side' } }, 500);
});
