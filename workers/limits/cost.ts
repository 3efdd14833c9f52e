import { type CheckResult, type LeasedLimiter, maxLeaseSize } from './lease';
import type { RateRule } from './rule';

/**
 * Spends `cost` tokens of `key` (say, the queries of one batch) on a `LeasedLimiter` whose rule
 * is `rule`. `check(key, cost)` can only grant a cost up to the largest lease (a tenth of the
 * limit), so a larger cost is spent in pieces of that size, one after another; a cost above
 * the limit is charged as the limit (a full bucket, nothing more). When a piece is refused,
 * the pieces before it stay spent, like any other tokens spent on a refused request.
 */
export async function checkCost(
  limiter: LeasedLimiter,
  rule: RateRule,
  key: string,
  cost: number,
): Promise<CheckResult> {
  let left = Math.min(rule.limit, Math.max(1, Math.ceil(cost)));
  const piece = maxLeaseSize(rule);
  while (left > 0) {
    const take = Math.min(piece, left);
    const result = await limiter.check(key, take);
    if (!result.allowed) return result;
    left -= take;
  }
  return { allowed: true };
}
