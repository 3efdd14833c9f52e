import type { Context } from 'hono';
import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';
import { ipKey, LeasedLimiter } from '../../workers/limits/lease';
import type { RateRule } from '../../workers/limits/rule';
import { ApiError } from '../errors';
import { authConfig } from './config';
import { hmac } from './tokens';

/**
 * Attempt limiters, one per (prefix, rule) and isolate, reused across requests (their blocked
 * caches live here). Fail-closed with no local allowance: every attempt is counted by the key's
 * Durable Object, so a limit is exact across isolates, and a limiter outage refuses instead of
 * admitting guesses.
 */
const limiters = new Map<string, { ns: Env['RATE_LIMITER']; instance: LeasedLimiter }>();

export function attemptLimiter(env: Env, prefix: string, rule: RateRule): LeasedLimiter {
  const name = `${prefix} ${rule.limit}/${rule.periodSeconds}`;
  const cached = limiters.get(name);
  // A binding is stable for an isolate's life; comparing it too lets tests swap in a broken one.
  if (cached?.ns === env.RATE_LIMITER) return cached.instance;
  const instance = new LeasedLimiter(env.RATE_LIMITER, rule, { prefix, failOpen: false, localAllowance: 0 });
  limiters.set(name, { ns: env.RATE_LIMITER, instance });
  return instance;
}

/**
 * The secret that keys limiter names. Production without IP_KEY_SECRET has none, and limits
 * keyed by IP or address then fail closed (503) rather than name Durable Objects by a reversible hash.
 */
function limitKeySecret(env: Env): string {
  const secret = configOf(env).ipKeySecret;
  if (secret === null) {
    throw new ApiError(
      503,
      'not_configured',
      'This server is not fully configured yet. Please try again later.',
    );
  }
  return secret;
}

/** The limiter key of a client IP (its /64 for IPv6) for one action: keyed hash, never the IP itself. */
export async function ipLimitKey(env: Env, ip: string, action: LimitedAction): Promise<string> {
  return `ip:${action}:${await ipKey(ip || 'unknown', limitKeySecret(env))}`;
}

/** What a budget is for; each action has its own, so one cannot use up another. */
export type LimitedAction = 'signup' | 'login' | 'reset' | 'verify' | 'password' | '2fa';

/**
 * The limiter key of an account for one action, by email (keyed hash, so Durable Object names
 * do not show addresses), so the key exists before we know whether the account does.
 */
export async function userLimitKey(env: Env, email: string, action: LimitedAction): Promise<string> {
  return `user:${action}:${(await hmac(limitKeySecret(env), email)).slice(0, 32)}`;
}

/**
 * 429 `rate_limited` with `Retry-After`: "<lead> Please wait 90 seconds and try again." Sets the
 * header on `c`, where `onError` builds the response, so it travels with the error.
 */
export function tooManyAttempts(
  c: Context,
  retryAfterSeconds: number,
  lead = 'Too many attempts.',
): ApiError {
  c.header('Retry-After', String(retryAfterSeconds));
  return new ApiError(
    429,
    'rate_limited',
    `${lead} Please wait ${retryAfterSeconds === 1 ? 'a second' : `${retryAfterSeconds} seconds`} and try again.`,
  );
}

/**
 * Spends one attempt on each key (e.g. the IP and the account) of `AUTH_RATE_LIMIT` and throws 429
 * `rate_limited` with `Retry-After` when any of them is exhausted. For sensitive POSTs other than
 * sign-in, which counts failures instead (login-guard.ts).
 */
export async function limitAttempt<E extends { Bindings: Env }>(
  c: Context<E>,
  keys: string[],
): Promise<void> {
  const instance = attemptLimiter(c.env, 'auth', authConfig(c.env).rateRule);
  let retryAfter = 0;
  // One after another: both keys are always charged, and no promise is shared between checks.
  for (const key of keys) {
    const result = await instance.check(key);
    if (!result.allowed) retryAfter = Math.max(retryAfter, result.retryAfterSeconds);
  }
  if (retryAfter > 0) throw tooManyAttempts(c, retryAfter);
}
