import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { type BucketState, charge, credit, fullBucket, take } from './bucket';
import { assertValidRule, leaseTtlMs, type RateRule } from './rule';

export { leaseTtlMs } from './rule';

/** What an isolate asks its key's Durable Object for. The rule travels with every call. */
export interface LeaseRequest extends RateRule {
  /** Tokens the isolate would like to hold (the lease size). */
  want: number;
  /** Smallest useful grant: below this nothing is granted. Defaults to 1. */
  need?: number;
  /** Events the isolate admitted on its own allowance since it last reported; charged unconditionally. */
  spent: number;
  /** Leased tokens the isolate let expire unspent; given back (capped at capacity). */
  returned?: number;
}

/** The Durable Object's answer. */
export interface LeaseResponse {
  /** Tokens now leased to the isolate (0 = refused). */
  granted: number;
  /** How long the isolate may spend them; after that the rest are void. */
  ttlMs: number;
  /** When refused: milliseconds until `need` tokens will be available. 0 otherwise. */
  retryAfterMs: number;
}

/** An object forgets its key after this long without a call (two periods: by then the bucket is full anyway). */
export function idleExpiryMs(rule: RateRule): number {
  return rule.periodSeconds * 2_000;
}

/**
 * The authority for one rate-limit key (`ip:<hash>`, `site:<id>`, …; the caller names it via
 * `getByName`). It holds one token bucket in memory and hands out leases of tokens that
 * isolates spend locally (see `LeasedLimiter`), so it sees a small fraction of events.
 *
 * State lives only in memory. If the runtime evicts the object (idle, deploy, host move),
 * the next call starts from a full bucket: a key can get up to one extra `limit` per
 * eviction. Evictions of a busy object are rare, and an object idle for a period has a
 * full bucket anyway, so this is the accepted price of no storage writes per call.
 * The only thing stored is the idle-expiry alarm, and `alarm()` deletes it again, so an
 * idle key leaves nothing behind.
 */
export class RateLimiter extends DurableObject<Env> {
  private bucket: BucketState | undefined;
  private rule: RateRule | undefined;
  /** Epoch ms of the last lease call. Public only so tests can age an object. */
  lastUsedAt = 0;
  /** Whether an alarm is pending, so a busy key does not rewrite its alarm on every call. */
  private alarmArmed = false;

  /** Charges `spent`, credits `returned`, then grants up to `want` tokens if at least `need` are there. */
  async lease(req: LeaseRequest): Promise<LeaseResponse> {
    const rule: RateRule = { limit: req.limit, periodSeconds: req.periodSeconds };
    assertValidRule(rule);
    const now = Date.now();
    const want = clampCount(req.want, 0, rule.limit);
    const need = clampCount(req.need ?? 1, 1, Number.MAX_SAFE_INTEGER);

    let bucket = this.bucketFor(rule, now);
    bucket = charge(rule, bucket, clampCount(req.spent, 0, rule.limit), now);
    bucket = credit(rule, bucket, clampCount(req.returned ?? 0, 0, rule.limit), now);
    const result =
      want > 0 ? take(rule, bucket, want, now, need) : { state: bucket, granted: 0, retryAfterMs: 0 };
    this.bucket = result.state;
    this.rule = rule;
    this.lastUsedAt = now;

    // The bucket is updated before this await, so concurrent calls never see a stale bucket.
    await this.armIdleAlarm(rule, now);
    return { granted: result.granted, ttlMs: leaseTtlMs(rule), retryAfterMs: result.retryAfterMs };
  }

  /** Deletes everything once the key has been idle for two periods; otherwise re-arms. */
  override async alarm(): Promise<void> {
    this.alarmArmed = false;
    const rule = this.rule;
    const now = Date.now();
    if (rule && now - this.lastUsedAt < idleExpiryMs(rule)) {
      await this.armAlarmAt(this.lastUsedAt + idleExpiryMs(rule));
      return;
    }
    // Idle (or a fresh instance after eviction, which knows nothing worth keeping).
    this.bucket = undefined;
    this.rule = undefined;
    this.lastUsedAt = 0;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  private bucketFor(rule: RateRule, now: number): BucketState {
    const previous = this.rule;
    if (!this.bucket || !previous) return fullBucket(rule, now);
    if (previous.limit === rule.limit && previous.periodSeconds === rule.periodSeconds) return this.bucket;
    // The rule changed (a config deploy): keep what was used, within the new capacity.
    return { tokens: Math.min(this.bucket.tokens, rule.limit), updatedAt: this.bucket.updatedAt };
  }

  private async armIdleAlarm(rule: RateRule, now: number): Promise<void> {
    // Arming once and letting alarm() push itself forward costs one storage write per idle
    // window instead of one per call; the result is the same expiry time.
    if (this.alarmArmed) return;
    await this.armAlarmAt(now + idleExpiryMs(rule));
  }

  private async armAlarmAt(when: number): Promise<void> {
    this.alarmArmed = true;
    await this.ctx.storage.setAlarm(when);
  }
}

function clampCount(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.floor(value)));
}
