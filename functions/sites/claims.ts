import type { Context } from 'hono';
import type { Env } from '../../workers/env';
import { FailureLimiter } from '../../workers/limits/failures';
import type { RateRule } from '../../workers/limits/rule';
import { tooManyAttempts } from '../auth/rate-limit';

/**
 * Bounds how fast an account can ask which domains are held on the platform: every `POST
 * /api/sites` reserves one failure for its billing profile and gives it back unless the answer
 * was 409 `domain_unavailable`. After `CLAIM_FAILURES_PER_ACCOUNT` such answers the account gets
 * 429 for any domain, held or free, until the bucket refills. Fails closed, like every limit
 * that guards a secret.
 */
export const CLAIM_FAILURES_PER_ACCOUNT: RateRule = { limit: 10, periodSeconds: 3600 };

let limiter: { ns: Env['RATE_LIMITER']; instance: FailureLimiter } | null = null;

function limiterFor(env: Env): FailureLimiter {
  // A binding is stable for an isolate's life; comparing it too lets tests swap in a broken one.
  if (limiter?.ns !== env.RATE_LIMITER) {
    limiter = {
      ns: env.RATE_LIMITER,
      instance: new FailureLimiter(env.RATE_LIMITER, CLAIM_FAILURES_PER_ACCOUNT, { prefix: 'site-claims' }),
    };
  }
  return limiter.instance;
}

/** Reserves one "unavailable" answer for the billing profile, or throws 429 when they are used up. */
export async function reserveClaimFailure<E extends { Bindings: Env }>(
  c: Context<E>,
  billingProfileId: number,
): Promise<{ release(): Promise<void> }> {
  const reservation = await limiterFor(c.env).reserve(String(billingProfileId));
  if (!reservation.allowed) {
    throw tooManyAttempts(c, reservation.retryAfterSeconds, 'Too many domains that cannot be added.');
  }
  return reservation;
}
