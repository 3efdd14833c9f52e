import { Hono, type MiddlewareHandler } from 'hono';
import { developmentRoutes } from '../functions/dev';
import { ApiError } from '../functions/errors';
import { api } from '../functions/index';
import { configProblems, isDevelopment } from './config';
import type { Env } from './env';
import { ingestFetch, ingestRoutes } from './ingest/routes';
import { log } from './observability/log';
import { reportError } from './observability/sentry';

type App = Hono<{ Bindings: Env }>;

/**
 * Paths only the Worker answers (wrangler.toml's run_worker_first): they never fall through to
 * the dashboard's single-page fallback, and their answers are never for a cache.
 */
function isWorkerPath(path: string): boolean {
  return /^\/(api|admin|dev)\//.test(path) || path === '/metrics';
}

/**
 * Headers every Worker answer carries, set here once rather than per route. Static assets
 * (dashboard pages, the tracker) get theirs from public/_headers.
 *
 * `no-store` on all of /api, /admin, /dev and /metrics, not only on the answers known to carry
 * a secret (a new API key, a TOTP secret, recovery codes): every answer there is about one
 * account, key or shared link, and a rule by path cannot miss the next secret-bearing route.
 * Ingest answers keep their CORS headers; they only gain these two.
 */
const securityHeaders: MiddlewareHandler<{ Bindings: Env }> = async function securityHeaders(c, next) {
  await next();
  if (!isWorkerPath(c.req.path)) return;
  const extra = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  try {
    for (const [name, value] of Object.entries(extra)) c.res.headers.set(name, value);
  } catch {
    // A response passed through from fetch() has immutable headers: answer with a copy.
    const copy = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(extra)) copy.headers.set(name, value);
    c.res = copy;
  }
};

/**
 * All HTTP routes for one kind of deployment; anything else falls through to the static assets
 * (dashboard, script, demo). Development-only routes (functions/dev: the mail outbox, the
 * benchmark baseline) are added only when `development` is true, so a production Worker does
 * not have them at all.
 */
export function createApp(options: { development: boolean }): App {
  const app: App = new Hono<{ Bindings: Env }>();
  app.use(securityHeaders);
  app.route('/', ingestRoutes);
  app.route('/', api);
  if (options.development) app.route('/', developmentRoutes);

  app.notFound((c) => {
    if (isWorkerPath(c.req.path)) {
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
  return app;
}

const built: { development?: App; production?: App } = {};

/**
 * The app for this env, built once per isolate. Building the production app is also when an
 * operator learns, in one log line per problem, which required secret or var is missing
 * (GET /api/health says the same).
 */
export function appFor(env: Env): App {
  if (isDevelopment(env)) {
    built.development ??= createApp({ development: true });
    return built.development;
  }
  if (!built.production) {
    for (const problem of configProblems(env)) {
      log('error', 'production config incomplete', { name: problem.name, effect: problem.effect });
    }
    built.production = createApp({ development: false });
  }
  return built.production;
}

/** The Worker's fetch handler: the env decides, per isolate, which app answers. */
export const app = {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    return ingestFetch(request, env, ctx) ?? appFor(env).fetch(request, env, ctx);
  },
};
