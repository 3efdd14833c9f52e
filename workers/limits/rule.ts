/** A rate rule: at most `limit` events per `periodSeconds`, with bursts of up to `limit`. */
export interface RateRule {
  limit: number;
  periodSeconds: number;
}

const RULE_PATTERN = /^\s*(\d+)\s*\/\s*(\d+)\s*$/;

/**
 * Parses a rule written as `<limit>/<seconds>`, e.g. `'300/60'` (the form the
 * `RATE_LIMIT_PER_IP` and `RATE_LIMIT_PER_SITE` vars use).
 *
 * Throws on anything else, so a typo in `wrangler.toml` fails loudly at the edge of the
 * request instead of silently disabling a limit.
 */
export function parseRateRule(text: string): RateRule {
  const match = RULE_PATTERN.exec(text);
  if (!match) {
    throw new Error(`Invalid rate rule ${JSON.stringify(text)}: expected "<limit>/<seconds>", e.g. "300/60"`);
  }
  const limit = Number(match[1]);
  const periodSeconds = Number(match[2]);
  assertValidRule({ limit, periodSeconds }, text);
  return { limit, periodSeconds };
}

/**
 * Throws unless the rule has a positive integer limit and period. The Durable Object calls
 * this too, because its rule arrives over RPC with every lease request.
 */
export function assertValidRule(rule: RateRule, source = `${rule.limit}/${rule.periodSeconds}`): void {
  const { limit, periodSeconds } = rule;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(`Invalid rate rule ${JSON.stringify(source)}: the limit must be a whole number ≥ 1`);
  }
  // A day is the longest period that still makes sense for an in-memory bucket.
  if (!Number.isSafeInteger(periodSeconds) || periodSeconds < 1 || periodSeconds > 86_400) {
    throw new Error(
      `Invalid rate rule ${JSON.stringify(source)}: the period must be a whole number of seconds from 1 to 86400`,
    );
  }
}

/**
 * How long leased tokens stay spendable: a tenth of the period, between 1 s and 10 s (6 s for
 * a 60 s period). Tokens leased long ago and spent late are the one way leases add to the
 * overshoot, by at most `limit × ttl / period` (10 %, no more than the default local
 * allowance) whatever the lease size, since the bucket grants no more than it holds plus its
 * refill; the longer the TTL, the fewer calls a key with a modest per-isolate rate needs
 * (about one per TTL).
 */
export function leaseTtlMs(rule: RateRule): number {
  return Math.min(10_000, Math.max(1_000, rule.periodSeconds * 100));
}
