import { describe, expect, it } from 'vitest';
import { charge, credit, fullBucket, refill, take } from '../../../workers/limits/bucket';

const rule = { limit: 60, periodSeconds: 60 }; // one token per second
const t0 = 1_700_000_000_000;

describe('token bucket', () => {
  it('starts full and grants up to its capacity at once', () => {
    const first = take(rule, fullBucket(rule, t0), 50, t0);
    expect(first.granted).toBe(50);
    const second = take(rule, first.state, 50, t0);
    expect(second.granted).toBe(10);
    const third = take(rule, second.state, 1, t0);
    expect(third).toMatchObject({ granted: 0, retryAfterMs: 1000 });
  });

  it('refills at limit / period and never above capacity', () => {
    const empty = take(rule, fullBucket(rule, t0), 60, t0).state;
    expect(refill(rule, empty, t0 + 2_500).tokens).toBeCloseTo(2.5);
    expect(refill(rule, empty, t0 + 3_600_000).tokens).toBe(60);
    expect(take(rule, empty, 10, t0 + 2_500).granted).toBe(2);
  });

  it('ignores a clock that steps backwards', () => {
    const state = { tokens: 5, updatedAt: t0 };
    expect(refill(rule, state, t0 - 10_000)).toEqual({ tokens: 5, updatedAt: t0 });
  });

  it('grants nothing below `need`, and says when `need` tokens will be there', () => {
    const state = { tokens: 2.5, updatedAt: t0 };
    const result = take(rule, state, 10, t0, 4);
    expect(result.granted).toBe(0);
    expect(result.retryAfterMs).toBe(1500);
    expect(result.state.tokens).toBe(2.5);
  });

  it('backs off a full period when `need` exceeds the capacity', () => {
    expect(take(rule, fullBucket(rule, t0), 100, t0, 61)).toMatchObject({ granted: 0, retryAfterMs: 60_000 });
  });

  it('charges events admitted elsewhere as debt, floored at one period', () => {
    const charged = charge(rule, { tokens: 10, updatedAt: t0 }, 25, t0);
    expect(charged.tokens).toBe(-15);
    // 16 s of refill pay the debt and bring back one token.
    expect(take(rule, charged, 5, t0 + 16_000)).toMatchObject({ granted: 1 });
    expect(charge(rule, { tokens: 0, updatedAt: t0 }, 1_000, t0).tokens).toBe(-60);
  });

  it('takes back unspent tokens, capped at capacity', () => {
    expect(credit(rule, { tokens: 10, updatedAt: t0 }, 5, t0).tokens).toBe(15);
    expect(credit(rule, { tokens: 58, updatedAt: t0 }, 5, t0).tokens).toBe(60);
  });
});
