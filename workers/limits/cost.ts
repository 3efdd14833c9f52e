import type { CheckResult, LeasedLimiter } from './lease';
import type { RateRule } from './rule';

/**
 * Spends `cost` tokens of `key` (say, the queries of one batch) on a `LeasedLimiter` whose rule
 * is `rule`, in one check. A cost above the limit is charged as the limit (a full bucket, nothing
 * more), since a bucket never holds more and the check could otherwise never pass.
 */
export function checkCost(
  limiter: LeasedLimiter,
  rule: RateRule,
  key: string,
  cost: number,
): Promise<CheckResult> {
  return limiter.check(key, Math.min(rule.limit, Math.max(1, Math.ceil(cost))));
}
