import type { Context } from 'hono';
import type { Env } from '../../workers/env';
import { ipKey, LeasedLimiter } from '../../workers/limits/lease';
import { ApiError } from '../errors';
import { authConfig } from './config';
import { hmac } from './tokens';

/**
 * One limiter per isolate, reused across requests (its blocked cache lives here). Fail-closed
 * with no local allowance: every attempt is counted by the key's Durable Object, so the limit
 * is exact across isolates, and a limiter outage refuses logins instead of admitting guesses.
 */
let limiter: { rule: string; ns: Env['RATE_LIMITER']; instance: LeasedLimiter } | null = null;

function authLimiter(env: Env): LeasedLimiter {
  const config = authConfig(env);
  const rule = `${config.rateRule.limit}/${config.rateRule.periodSeconds}`;
  // A binding is stable for an isolate's life; comparing it too lets tests swap in a broken one.
  if (limiter?.rule !== rule || limiter.ns !== env.RATE_LIMITER) {
    limiter = {
      rule,
      ns: env.RATE_LIMITER,
      instance: new LeasedLimiter(env.RATE_LIMITER, config.rateRule, {
        prefix: 'auth',
        failOpen: false,
        localAllowance: 0,
      }),
    };
  }
  return limiter.instance;
}

/** The limiter key of a client IP for one action: keyed hash, never the IP itself. */
export async function ipLimitKey(env: Env, ip: string, action: LimitedAction): Promise<string> {
  return `ip:${action}:${await ipKey(ip || 'unknown', env.IP_KEY_SECRET)}`;
}

/** What a budget is for; each action has its own, so one cannot use up another. */
export type LimitedAction = 'signup' | 'login' | 'reset' | 'verify' | 'password' | '2fa';

/**
 * The limiter key of an account for one action, by email (keyed hash, so Durable Object names
 * do not show addresses), so the key exists before we know whether the account does. Login and
 * its second step share 'login': guesses at either factor spend one budget.
 */
export async function userLimitKey(env: Env, email: string, action: LimitedAction): Promise<string> {
  return `user:${action}:${(await hmac(env.IP_KEY_SECRET ?? 'edgebear auth limit', email)).slice(0, 32)}`;
}

/**
 * Spends one attempt on each key (e.g. the IP and the account) and throws 429 `rate_limited`
 * with `Retry-After` when any of them is exhausted: guesses against one account from many IPs
 * hit the account key, many accounts from one IP hit the IP key.
 */
export async function limitAttempt<E extends { Bindings: Env }>(
  c: Context<E>,
  keys: string[],
): Promise<void> {
  const instance = authLimiter(c.env);
  let retryAfter = 0;
  // One after another: both keys are always charged, and no promise is shared between checks.
  for (const key of keys) {
    const result = await instance.check(key);
    if (!result.allowed) retryAfter = Math.max(retryAfter, result.retryAfterSeconds);
  }
  if (retryAfter > 0) {
    // `onError` builds the response on this context, so the header travels with the 429.
    c.header('Retry-After', String(retryAfter));
    throw new ApiError(
      429,
      'rate_limited',
      `Too many attempts. Please wait ${retryAfter === 1 ? 'a second' : `${retryAfter} seconds`} and try again.`,
    );
  }
}
