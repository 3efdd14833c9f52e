import type { Context } from 'hono';
import type { Env } from '../../workers/env';
import { FailureLimiter } from '../../workers/limits/failures';
import type { LeasedLimiter } from '../../workers/limits/lease';
import type { RateRule } from '../../workers/limits/rule';
import { authConfig } from './config';
import { attemptLimiter, ipLimitKey, tooManyAttempts, userLimitKey } from './rate-limit';

/**
 * Sign-in limits, built so that a stranger who knows an email cannot lock its owner out
 * (docs/api.md, "Sign-in limits"). Every step of a sign-in (password, second factor, emailed
 * link) goes through `beginSignInAttempt`:
 *
 * 1. **Attempts per IP** (`LOGIN_ATTEMPTS_PER_IP`, 30/min, successes included): a flood guard
 *    that bounds the PBKDF2 work and mail one address can cause.
 * 2. **Failures per IP** (`LOGIN_FAILURES_PER_IP`, default 10 per 15 min; IPv6 by /64): when used
 *    up, the IP is refused with 429 before anything is checked.
 * 3. **Failures per account** (`LOGIN_FAILURES_PER_ACCOUNT`, default 5 per 15 min), keyed by the
 *    email, known or not: when used up, a sign-in never completes directly. Every attempt for
 *    the address is answered "check your email" (the same 202 whatever the password), and only
 *    when the password was right does the owner get a one-time link that finishes the sign-in
 *    (login-link.ts). Nobody is locked out, and the answer tells a guesser nothing.
 *
 * Failures are counted with `FailureLimiter`: each attempt reserves one failure before the
 * check and gives it back when the check succeeds, so only failures stay counted. All three
 * limits fail closed: a limiter outage refuses the attempt (or, for the account, sends the
 * owner the emailed link).
 */

/** The flood guard: sign-in attempts per client IP, whatever their outcome. */
export const LOGIN_ATTEMPTS_PER_IP: RateRule = { limit: 30, periodSeconds: 60 };

interface Limiters {
  ns: Env['RATE_LIMITER'];
  rules: string;
  attempts: LeasedLimiter;
  ipFailures: FailureLimiter;
  accountFailures: FailureLimiter;
}
let limiters: Limiters | null = null;

function limitersFor(env: Env): Limiters {
  const config = authConfig(env);
  const text = (rule: RateRule) => `${rule.limit}/${rule.periodSeconds}`;
  const rules = `${text(config.loginFailuresPerIp)} ${text(config.loginFailuresPerAccount)}`;
  // A binding is stable for an isolate's life; comparing it too lets tests swap in a broken one.
  if (limiters?.rules !== rules || limiters.ns !== env.RATE_LIMITER) {
    limiters = {
      ns: env.RATE_LIMITER,
      rules,
      attempts: attemptLimiter(env, 'login-attempts', LOGIN_ATTEMPTS_PER_IP),
      ipFailures: new FailureLimiter(env.RATE_LIMITER, config.loginFailuresPerIp, { prefix: 'login-ip' }),
      accountFailures: new FailureLimiter(env.RATE_LIMITER, config.loginFailuresPerAccount, {
        prefix: 'login-account',
      }),
    };
  }
  return limiters;
}

/** One sign-in step in progress: its reserved failures, and whether the account limit has tripped. */
export interface SignInAttempt {
  /**
   * The account's failures are used up: this sign-in may only finish through the emailed link.
   * Always false for steps without an account (the link itself).
   */
  accountLimited: boolean;
  /** The password, code or link was right: give back the failures reserved for this attempt. */
  succeeded(): Promise<void>;
}

/**
 * Starts a sign-in step from `ip` for `email` (null for the emailed link, which has no account
 * until its token is read): 429 `rate_limited` when the IP is over its attempts or failures;
 * otherwise reserves one failure on the IP and, unless its limit has tripped, on the account.
 * A step that fails simply returns: its reservations stay spent.
 */
export async function beginSignInAttempt<E extends { Bindings: Env }>(
  c: Context<E>,
  ip: string,
  email: string | null,
): Promise<SignInAttempt> {
  const { attempts, ipFailures, accountFailures } = limitersFor(c.env);
  const ipKey = await ipLimitKey(c.env, ip, 'login');
  const flood = await attempts.check(ipKey);
  if (!flood.allowed) {
    throw tooManyAttempts(c, flood.retryAfterSeconds, 'Too many sign-in attempts from your network.');
  }
  const byIp = await ipFailures.reserve(ipKey);
  if (!byIp.allowed) {
    throw tooManyAttempts(c, byIp.retryAfterSeconds, 'Too many failed sign-ins from your network.');
  }
  const byAccount =
    email === null ? null : await accountFailures.reserve(await userLimitKey(c.env, email, 'login'));
  return {
    accountLimited: byAccount !== null && !byAccount.allowed,
    async succeeded() {
      await byIp.release();
      if (byAccount?.allowed) await byAccount.release();
    },
  };
}
