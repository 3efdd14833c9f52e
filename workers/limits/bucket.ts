import type { RateRule } from './rule';

/**
 * A token bucket: capacity `limit`, refilled continuously at `limit / periodSeconds`
 * tokens per second. `tokens` may be negative: that is debt from events an isolate
 * admitted before asking (see `charge`), paid back by refill before anything new is granted.
 */
export interface BucketState {
  tokens: number;
  /** Epoch milliseconds of the last refill. */
  updatedAt: number;
}

/** Outcome of `take`: the new state, how many tokens were granted, and when to retry if none. */
export interface TakeResult {
  state: BucketState;
  granted: number;
  /** 0 when something was granted; otherwise milliseconds until `need` tokens are available. */
  retryAfterMs: number;
}

/** A bucket that has not been used yet: full. */
export function fullBucket(rule: RateRule, now: number): BucketState {
  return { tokens: rule.limit, updatedAt: now };
}

function ratePerMs(rule: RateRule): number {
  return rule.limit / (rule.periodSeconds * 1000);
}

/** Adds the tokens that accrued since `updatedAt`, capped at capacity. */
export function refill(rule: RateRule, state: BucketState, now: number): BucketState {
  // A clock that steps backwards must not drain the bucket.
  const elapsed = Math.max(0, now - state.updatedAt);
  const tokens = Math.min(rule.limit, state.tokens + elapsed * ratePerMs(rule));
  return { tokens, updatedAt: Math.max(now, state.updatedAt) };
}

/**
 * Takes up to `want` whole tokens, but only if at least `need` are available (all or
 * nothing below `need`, so a caller never gets a grant too small to use).
 */
export function take(rule: RateRule, state: BucketState, want: number, now: number, need = 1): TakeResult {
  const current = refill(rule, state, now);
  const available = Math.floor(current.tokens);
  if (available >= need && available >= 1) {
    const granted = Math.min(want, available);
    return { state: { ...current, tokens: current.tokens - granted }, granted, retryAfterMs: 0 };
  }
  // need > limit can never be met; report one period so callers back off instead of spinning.
  const retryAfterMs =
    need > rule.limit ? rule.periodSeconds * 1000 : Math.ceil((need - current.tokens) / ratePerMs(rule));
  return { state: current, granted: 0, retryAfterMs };
}

/**
 * Charges `n` tokens unconditionally, for events an isolate already admitted on its own.
 * Debt is kept (the events happened) but floored at one period's worth, so a runaway
 * report cannot block a key for longer than two periods.
 */
export function charge(rule: RateRule, state: BucketState, n: number, now: number): BucketState {
  const current = refill(rule, state, now);
  return { ...current, tokens: Math.max(-rule.limit, current.tokens - Math.max(0, n)) };
}

/**
 * Gives back `n` leased tokens that were never spent, capped at capacity, so the bucket
 * never holds more than an exact bucket that had seen only the spent ones.
 */
export function credit(rule: RateRule, state: BucketState, n: number, now: number): BucketState {
  const current = refill(rule, state, now);
  return { ...current, tokens: Math.min(rule.limit, current.tokens + Math.max(0, n)) };
}
