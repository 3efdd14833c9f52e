/**
 * What every read route shares (`POST /api/v2/query`, `/api/v2/query/batch`,
 * `/api/stats/performance`): the per-principal rate limit, the read executor bound to the
 * request, and the `Retry-After` of a 429 or 503. See docs/stats-api.md, "Limits".
 */
import type { ClickHouseSettings } from '@clickhouse/client-web';
import type { Context, MiddlewareHandler } from 'hono';
import { type ReadQuery, readExecutor } from '../../workers/clickhouse/read';
import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';
import { RetryableError } from '../../workers/http/retryable-error';
import { checkCost } from '../../workers/limits/cost';
import { ipKey, LeasedLimiter } from '../../workers/limits/lease';
import type { RateRule } from '../../workers/limits/rule';
import type { Principal } from './access';

type ReadContext = Context<{ Bindings: Env }>;

interface Limiters {
  ns: Env['RATE_LIMITER'];
  rules: string;
  /** API keys: integrators (`STATS_RATE_LIMIT`). */
  keys: LeasedLimiter;
  /** Dashboard readers: sessions, shared links, anonymous IPs (`STATS_DASHBOARD_RATE_LIMIT`). */
  dashboard: LeasedLimiter;
}
let limiters: Limiters | null = null;

/**
 * One pair of limiters per isolate. They fail open: a read is not a security boundary, and every
 * statement stays bounded by the read profile (workers/clickhouse/read.ts) whatever the limiter
 * says, so a limiter outage must not take the dashboards down with it.
 */
function limitersFor(env: Env): Limiters {
  const config = configOf(env);
  const text = (r: RateRule) => `${r.limit}/${r.periodSeconds}`;
  const rules = `${text(config.statsRateLimit)} ${text(config.statsDashboardRateLimit)}`;
  // A binding is stable for an isolate's life; comparing it too lets tests swap in a broken one.
  if (limiters?.rules !== rules || limiters.ns !== env.RATE_LIMITER) {
    limiters = {
      ns: env.RATE_LIMITER,
      rules,
      keys: new LeasedLimiter(env.RATE_LIMITER, config.statsRateLimit, { prefix: 'stats', failOpen: true }),
      dashboard: new LeasedLimiter(env.RATE_LIMITER, config.statsDashboardRateLimit, {
        prefix: 'stats',
        failOpen: true,
      }),
    };
  }
  return limiters;
}

/** The limiter key of a principal; an anonymous reader's IP only ever as a keyed hash. */
async function principalKey(c: ReadContext, principal: Principal): Promise<string> {
  switch (principal.kind) {
    case 'key':
      return `key:${principal.id}`;
    case 'user':
      return `user:${principal.id}`;
    case 'link':
      return `link:${principal.siteId}`;
    case 'anonymous': {
      const secret = configOf(c.env).ipKeySecret;
      // Production without IP_KEY_SECRET: limits keyed by IP fail closed (workers/config.ts).
      if (secret === null)
        throw new RetryableError(503, 'unavailable', 'public dashboards are not configured', 60);
      return `ip:${await ipKey(c.req.header('cf-connecting-ip') || 'unknown', secret)}`;
    }
  }
}

/**
 * Spends `queries` of the principal's budget (a batch spends one per query in it) or throws
 * 429 `rate_limited` with `Retry-After`. API keys have `STATS_RATE_LIMIT` (default 60 per
 * minute); dashboard readers `STATS_DASHBOARD_RATE_LIMIT` (default 600 per minute), because one
 * dashboard page asks about 21 queries at once.
 */
export async function limitReads(c: ReadContext, principal: Principal, queries: number): Promise<void> {
  const config = configOf(c.env);
  const { keys, dashboard } = limitersFor(c.env);
  const [limiter, rule] =
    principal.kind === 'key' ? [keys, config.statsRateLimit] : [dashboard, config.statsDashboardRateLimit];
  const result = await checkCost(limiter, rule, await principalKey(c, principal), queries);
  if (!result.allowed) {
    const wait = result.retryAfterSeconds;
    throw new RetryableError(
      429,
      'rate_limited',
      `too many queries; retry in ${wait === 1 ? 'a second' : `${wait} seconds`} (limit: ${rule.limit} queries per ${rule.periodSeconds} s)`,
      wait,
    );
  }
}

/**
 * The read executor for this request: the read profile of the config, cancelled when the
 * client goes away, plus the `settings` the caller's SQL relies on.
 */
export function readQuery(c: ReadContext, settings?: ClickHouseSettings): ReadQuery {
  return readExecutor(c.env, {
    limits: configOf(c.env).clickhouseRead,
    signal: c.req.raw.signal,
    settings,
  });
}

/** Adds `Retry-After` to a response that a `RetryableError` (429, 503) ended. */
export const retryAfter: MiddlewareHandler<{ Bindings: Env }> = async function retryAfter(c, next) {
  await next();
  if (c.error instanceof RetryableError) c.res.headers.set('Retry-After', String(c.error.retryAfterSeconds));
};
