import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { replayDeadLetters } from '../../workers/consumer/dead-letters';
import type { Env } from '../../workers/env';
import { flushCounters } from '../../workers/observability/counters';
import { ApiError } from '../errors';

/** Constant-time comparison, so a token cannot be guessed byte by byte from response times. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function bearer(secret: (env: Env) => string | undefined): MiddlewareHandler<{ Bindings: Env }> {
  return async function requireBearer(c, next) {
    const expected = secret(c.env);
    const given = c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? '';
    if (!expected) throw new ApiError(503, 'not_configured', 'this endpoint has no token configured');
    if (!sameSecret(given, expected))
      throw new ApiError(401, 'unauthorized', 'a valid bearer token is required');
    await next();
  };
}

/** Operator endpoints: Prometheus metrics and the dead-letter replay. */
export const adminRoutes = new Hono<{ Bindings: Env }>();

adminRoutes.get(
  '/metrics',
  bearer((env) => env.METRICS_TOKEN),
  async (c) => {
    await flushCounters(c.env, true);
    const text = await c.env.METRICS.get(c.env.METRICS.idFromName('global')).render();
    return c.text(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  },
);

adminRoutes.post(
  '/admin/dead-letters/replay',
  bearer((env) => env.ADMIN_TOKEN),
  async (c) => {
    const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? '100') || 100));
    return c.json(await replayDeadLetters(c.env, limit));
  },
);

adminRoutes.get(
  '/admin/dead-letters',
  bearer((env) => env.ADMIN_TOKEN),
  async (c) => {
    const row = await c.env.DB.prepare(
      'SELECT count(*) AS messages, coalesce(sum(events), 0) AS events FROM dead_letters',
    ).first<{
      messages: number;
      events: number;
    }>();
    return c.json(row ?? { messages: 0, events: 0 });
  },
);
