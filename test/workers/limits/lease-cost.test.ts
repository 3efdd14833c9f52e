import { describe, expect, it } from 'vitest';
import { checkCost } from '../../../workers/limits/cost';
import { LeasedLimiter } from '../../../workers/limits/lease';
import { testEnv, uniquePrefix } from './env';

describe('LeasedLimiter.check with a cost above the largest lease', () => {
  const rule = { limit: 100, periodSeconds: 60 };

  it('grants a cost of half the limit in one call, and refuses the next half once the bucket is drained', async () => {
    const limiter = new LeasedLimiter(testEnv.RATE_LIMITER, rule, {
      prefix: uniquePrefix('stats'),
      failOpen: true,
      localAllowance: 0,
    });
    expect(await limiter.check('k', 50)).toEqual({ allowed: true });
    expect(limiter.stats.doCalls).toBe(1);
    expect(await limiter.check('k', 50)).toEqual({ allowed: true });
    expect((await limiter.check('k', 1)).allowed).toBe(false);
  });

  it('charges checkCost in one call, and a cost above the limit as the limit', async () => {
    const limiter = new LeasedLimiter(testEnv.RATE_LIMITER, rule, {
      prefix: uniquePrefix('stats'),
      failOpen: true,
      localAllowance: 0,
    });
    expect(await checkCost(limiter, rule, 'k', 500)).toEqual({ allowed: true });
    expect(limiter.stats.doCalls).toBe(1);
    expect((await checkCost(limiter, rule, 'k', 1)).allowed).toBe(false);
  });
});
