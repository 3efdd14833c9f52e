import { log } from '../observability/log';
import type { LeaseRequest, LeaseResponse } from './rate-limiter';
import { assertValidRule, leaseTtlMs, type RateRule } from './rule';

export { ipKey } from './ip-key';

/** The answer to one `check`. */
export type CheckResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * What a `LeasedLimiter` needs from the `RATE_LIMITER` namespace: the key's object, by name.
 * `DurableObjectNamespace<RateLimiter>` is the one real implementation; tests wrap it to inject faults.
 */
export interface LeaseSource {
  getByName(name: string): { lease(request: LeaseRequest): Promise<LeaseResponse> };
}

/** Options of a `LeasedLimiter`; only `prefix` and `failOpen` have no default. */
export interface LeasedLimiterOptions {
  /** Namespace of the Durable Object names: the object for key `k` is named `<prefix>:<k>`. */
  prefix: string;
  /** What to answer when the Durable Object fails or times out: allow (ingest) or deny (login). */
  failOpen: boolean;
  /**
   * Events per key this isolate admits on its own, refilled over one period, before it
   * consults the Durable Object. Default `defaultLocalAllowance(rule)`. Each isolate that
   * sees a key adds up to this much to the key's worst-case overshoot, so pass 0 for keys
   * that many isolates see at once and that must not overshoot (see docs/rate-limits.md).
   */
  localAllowance?: number;
  /** How long to wait for the Durable Object before treating the call as failed. Default 1,000 ms. */
  timeoutMs?: number;
  /** After a failure, answer from `failOpen` without calling again for this long. Default 1,000 ms. */
  failureBackoffMs?: number;
  /** Keys tracked in memory at most; the least recently used go first. Default 50,000. */
  maxKeys?: number;
  /** Clock (epoch ms), injectable for tests. Default `Date.now`. */
  now?: () => number;
  /**
   * Called once per Durable Object call, and once more when it fails, for metrics. A per-check
   * difference of `stats` would count one call once for every check waiting on it.
   */
  onDoCall?: (outcome: 'sent' | 'failed') => void;
}

/** Counters for benchmarks and metrics. */
export interface LeasedLimiterStats {
  checks: number;
  doCalls: number;
  doErrors: number;
}

/** Local allowance when none is given: 10 % of the limit, rounded up, at most 50. */
export function defaultLocalAllowance(rule: RateRule): number {
  return Math.min(Math.ceil(rule.limit * 0.1), 50);
}

/** First lease size for a key: 1 % of the limit, at least 1. */
export function initialLeaseSize(rule: RateRule): number {
  return Math.max(1, Math.ceil(rule.limit / 100));
}

/**
 * Events one lease should cover at least, where the limit allows: 50, so that a busy key
 * costs at most 20 calls per 1,000 events (the budget is 50; docs/rate-limits.md).
 */
export const LEASE_FLOOR = 50;

/**
 * Largest lease an isolate asks for (unless one check costs more): 10 % of the limit, but at
 * least `LEASE_FLOOR` events or the whole limit if that is smaller. The size of a lease does not
 * add to the overshoot (the bucket grants no more than it holds plus its refill; only the lease
 * TTL does), so small limits can have leases of most of the limit; what a large lease risks is
 * an undershoot, tokens held by one isolate while another is refused, until it lapses.
 */
export function maxLeaseSize(rule: RateRule): number {
  return Math.min(rule.limit, Math.max(Math.ceil(rule.limit / 10), LEASE_FLOOR));
}

/**
 * The documented worst case (docs/rate-limits.md) for one key over a window of `elapsedMs`
 * (≤ a period) that starts with a fresh Durable Object, with `isolates` isolates seeing the
 * key and the default local allowance: limit + r·W + I·A·(1 + W/period) + min(r·ttl, I·Lmax).
 */
export function overshootBound(rule: RateRule, isolates: number, elapsedMs: number): number {
  const periodMs = rule.periodSeconds * 1000;
  const rate = rule.limit / periodMs;
  const allowance = defaultLocalAllowance(rule);
  return Math.floor(
    rule.limit +
      rate * elapsedMs +
      isolates * allowance * (1 + elapsedMs / periodMs) +
      Math.min(rate * leaseTtlMs(rule), isolates * maxLeaseSize(rule)),
  );
}

/** What this isolate knows about one key. */
interface KeyState {
  lastUsedAt: number;
  /** Own allowance left (a small bucket: capacity `localAllowance`, refilled over a period). */
  localTokens: number;
  localUpdatedAt: number;
  /** Set once the key outgrew its own allowance; from then on only leases admit it. */
  escalated: boolean;
  /** When this isolate first saw the key, and the events its allowance admitted since: its rate. */
  firstSeenAt: number;
  localAdmitted: number;
  leaseTokens: number;
  leaseGranted: number;
  leaseExpiresAt: number;
  leaseSize: number;
  /** The Durable Object refused: answer "no" without asking until then. */
  blockedUntil: number;
  /**
   * The last lease emptied the bucket (it granted less than asked): once the lease is spent,
   * answer "no" without asking until then, as the next call would be refused.
   */
  drainedUntil: number;
  /** The Durable Object failed: answer by policy without asking until then. */
  failedUntil: number;
  /** The one Durable Object call in flight for this key; concurrent checks wait on it. */
  inflight: Promise<void> | undefined;
  /** Tokens wanted by checks waiting on `inflight`, to size the next lease. */
  waiting: number;
}

const TIMED_OUT = Symbol('timed out');

/**
 * The isolate side of a rate limit: admits most events without a Durable Object call and
 * stays within a documented bound of the limit (docs/rate-limits.md).
 *
 * - **Local allowance.** The first `localAllowance` (A) events of a key, refilled at A per
 *   period, are admitted here without asking; a visitor who sends a handful of events never
 *   causes a call. A key that outgrows it is charged for what it spent (`spent`) in its first
 *   call and is governed by leases from then on, until it is idle for a period.
 * - **Leases.** Tokens come from the key's `RateLimiter` in batches that start at 1 % of
 *   the limit (or, when the key escalates, at the rate its allowance showed × the TTL) and
 *   double each time one is used up, up to `maxLeaseSize`; concurrent checks for a key
 *   share one call; unspent tokens lapse after the lease TTL and are given back next call.
 * - **Blocked cache.** A refusal is remembered for a lease TTL or until its retry time, if
 *   later (at least 1 s), and so is a lease that drained the bucket, once it is spent: the next
 *   call would be refused, so the checks waiting on a burst's call do not each make one, and a
 *   key held at its limit costs one call per TTL, not one per token.
 * - **Failure.** A call that throws or takes longer than `timeoutMs` admits (`failOpen`) or
 *   denies, and the key is not asked again for `failureBackoffMs`.
 *
 * Worst-case overshoot, with I isolates seeing a key, ttl = `leaseTtlMs(rule)` and
 * Lmax = `maxLeaseSize(rule)`: over any window of W ≤ period seconds it admits at most
 * `limit + (limit + I·A)·W/period + I·A + min(limit·ttl/period, I·Lmax)`. An exact token
 * bucket admits `limit + limit·W/period`, so the excess is the local allowances (A each, plus
 * their refill) and tokens leased before the window but spent in it. For a client whose
 * traffic one isolate serves (I = 1) a burst gets at most `limit + max(A, min(limit·ttl/period,
 * Lmax))`: 10 % over with the defaults. docs/rate-limits.md has the derivation.
 *
 * Memory is bounded: keys idle for a period are forgotten, and at most `maxKeys` are kept.
 */
export class LeasedLimiter {
  readonly stats: LeasedLimiterStats = { checks: 0, doCalls: 0, doErrors: 0 };
  readonly localAllowance: number;
  private readonly keys = new Map<string, KeyState>();
  private readonly periodMs: number;
  private readonly timeoutMs: number;
  private readonly failureBackoffMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private nextSweepAt = 0;

  constructor(
    private readonly ns: LeaseSource,
    private readonly rule: RateRule,
    private readonly opts: LeasedLimiterOptions,
  ) {
    assertValidRule(rule);
    this.periodMs = rule.periodSeconds * 1000;
    this.localAllowance = Math.max(0, Math.floor(opts.localAllowance ?? defaultLocalAllowance(rule)));
    this.timeoutMs = opts.timeoutMs ?? 1_000;
    this.failureBackoffMs = opts.failureBackoffMs ?? 1_000;
    this.maxKeys = Math.max(1, opts.maxKeys ?? 50_000);
    this.now = opts.now ?? Date.now;
  }

  /** Keys currently tracked in this isolate. */
  get trackedKeys(): number {
    return this.keys.size;
  }

  /** Admits or refuses one event (or `cost` events) for `key`. Never throws. */
  async check(key: string, cost = 1): Promise<CheckResult> {
    this.stats.checks++;
    const state = this.touch(key, this.now());
    for (;;) {
      const now = this.now();
      if (now < state.blockedUntil) return refuse(state.blockedUntil - now);
      if (now < state.failedUntil) return this.onFailure(state.failedUntil - now);

      if (state.leaseTokens >= cost && now < state.leaseExpiresAt) {
        state.leaseTokens -= cost;
        return { allowed: true };
      }
      if (!state.escalated && this.takeLocal(state, cost, now)) {
        state.localAdmitted += cost;
        return { allowed: true };
      }
      if (now < state.drainedUntil) return refuse(state.drainedUntil - now);

      if (state.inflight) {
        // Someone is already asking for this key: wait for that answer, then look again.
        state.waiting += cost;
        const outcome = await withTimeout(state.inflight, this.timeoutMs);
        state.waiting -= cost;
        if (outcome === TIMED_OUT) return this.onFailure(this.failureBackoffMs);
        continue;
      }
      state.inflight = this.askDurableObject(key, state, cost).finally(() => {
        state.inflight = undefined;
      });
      await state.inflight;
    }
  }

  private takeLocal(state: KeyState, cost: number, now: number): boolean {
    if (this.localAllowance === 0) return false;
    const elapsed = Math.max(0, now - state.localUpdatedAt);
    state.localTokens = Math.min(
      this.localAllowance,
      state.localTokens + (elapsed * this.localAllowance) / this.periodMs,
    );
    state.localUpdatedAt = now;
    if (state.localTokens < cost) return false;
    state.localTokens -= cost;
    return true;
  }

  /** One lease call; never rejects: the outcome is written into `state`. */
  private async askDurableObject(key: string, state: KeyState, cost: number): Promise<void> {
    const now = this.now();
    let spent = 0;
    if (!state.escalated) {
      // Escalate now, before the await, so checks arriving meanwhile cannot use the
      // allowance again: everything it admitted is in `spent`.
      this.takeLocal(state, 0, now);
      spent = Math.ceil(this.localAllowance - state.localTokens);
      state.escalated = true;
      // The allowance was a sample of the key's rate: start with a lease that lasts a TTL at
      // that rate. A burst (an office behind one address, 64 requests in flight) gets the
      // largest lease at once instead of doubling up to it, one call per step.
      const elapsed = Math.max(1, now - state.firstSeenAt);
      const demand = state.localAdmitted + cost + state.waiting;
      const atRate = Math.ceil((demand * leaseTtlMs(this.rule)) / elapsed);
      state.leaseSize = Math.min(maxLeaseSize(this.rule), Math.max(state.leaseSize, atRate));
    }
    const leftover = state.leaseTokens;
    if (leftover > 0 || state.leaseGranted > 0) this.resizeLease(state, leftover, now);
    // Enough for this check and the ones waiting on this call, so they need no call of their
    // own; a cost above the largest lease is asked for whole (the bucket grants it or nothing).
    const want = Math.max(
      cost,
      Math.min(maxLeaseSize(this.rule), Math.max(state.leaseSize, cost + state.waiting)),
    );
    const request: LeaseRequest = {
      limit: this.rule.limit,
      periodSeconds: this.rule.periodSeconds,
      want,
      need: cost,
      spent,
      returned: leftover,
    };
    state.leaseTokens = 0;
    state.leaseGranted = 0;

    this.stats.doCalls++;
    this.opts.onDoCall?.('sent');
    let response: LeaseResponse | typeof TIMED_OUT;
    try {
      response = await withTimeout(
        this.ns.getByName(`${this.opts.prefix}:${key}`).lease(request),
        this.timeoutMs,
      );
    } catch (error) {
      log('warn', 'rate limiter lease call failed', {
        prefix: this.opts.prefix,
        error: error instanceof Error ? error.message : String(error),
      });
      response = TIMED_OUT;
    }
    const done = this.now();
    if (response === TIMED_OUT) {
      if (done - now >= this.timeoutMs) {
        log('warn', 'rate limiter lease call timed out', {
          prefix: this.opts.prefix,
          timeoutMs: this.timeoutMs,
        });
      }
      this.stats.doErrors++;
      this.opts.onDoCall?.('failed');
      state.failedUntil = done + this.failureBackoffMs;
      return;
    }
    if (response.granted >= cost) {
      state.leaseTokens = response.granted;
      state.leaseGranted = response.granted;
      state.leaseExpiresAt = done + response.ttlMs;
      // Less than asked means the bucket gave all it had (under one token is left): until the
      // next token accrues, a call would only be refused, so checks after this lease are
      // refused here, just as after a refusal. Other isolates' returns can only make this an
      // undershoot.
      if (response.granted < want) {
        state.drainedUntil = this.quietUntil(done, (this.rule.periodSeconds * 1000) / this.rule.limit);
      }
      return;
    }
    // A grant below `need` does not happen (the bucket is all-or-nothing below it), but if
    // it did, the tokens are kept for later rather than lost.
    state.leaseTokens = response.granted;
    state.leaseGranted = response.granted;
    state.leaseExpiresAt = done + response.ttlMs;
    state.blockedUntil = this.quietUntil(done, response.retryAfterMs);
  }

  /**
   * Until when a refused or drained key is answered from memory: one lease TTL, or longer if
   * the next token is further off (at least 1 s). Asking as soon as one token is due would
   * cost a call per token for a key held at its limit (an office behind one address, a
   * crawler); waiting a TTL lets the bucket refill meanwhile, so the next call's lease takes
   * what accrued. The key still gets its whole limit over a period, in fewer, larger steps.
   */
  private quietUntil(done: number, retryMs: number): number {
    return done + Math.ceil(Math.max(1_000, retryMs, leaseTtlMs(this.rule)));
  }

  /** Adapts the lease size to demand: ×2 after a lease was used up in time, ÷2 after one mostly lapsed. */
  private resizeLease(state: KeyState, leftover: number, now: number): void {
    const lapsed = now >= state.leaseExpiresAt;
    if (!lapsed || leftover === 0) {
      state.leaseSize = Math.min(maxLeaseSize(this.rule), state.leaseSize * 2);
    } else if (leftover * 2 > state.leaseGranted) {
      state.leaseSize = Math.max(initialLeaseSize(this.rule), Math.floor(state.leaseSize / 2));
    }
  }

  private onFailure(backoffMs: number): CheckResult {
    return this.opts.failOpen ? { allowed: true } : refuse(backoffMs);
  }

  /** Finds or creates the key's state and marks it most recently used. */
  private touch(key: string, now: number): KeyState {
    let state = this.keys.get(key);
    if (state && this.isIdle(state, now)) state = undefined;
    if (state) {
      this.keys.delete(key);
    } else {
      state = {
        lastUsedAt: now,
        localTokens: this.localAllowance,
        localUpdatedAt: now,
        escalated: this.localAllowance === 0,
        firstSeenAt: now,
        localAdmitted: 0,
        leaseTokens: 0,
        leaseGranted: 0,
        leaseExpiresAt: 0,
        leaseSize: initialLeaseSize(this.rule),
        blockedUntil: 0,
        drainedUntil: 0,
        failedUntil: 0,
        inflight: undefined,
        waiting: 0,
      };
    }
    state.lastUsedAt = now;
    // Map order is insertion order: re-inserting keeps the least recently used first.
    this.keys.set(key, state);
    this.prune(now);
    return state;
  }

  /** A key unused for a period has a full bucket again at its Durable Object: start over. */
  private isIdle(state: KeyState, now: number): boolean {
    return (
      now - state.lastUsedAt > this.periodMs &&
      now >= state.blockedUntil &&
      now >= state.drainedUntil &&
      now >= state.failedUntil &&
      state.inflight === undefined
    );
  }

  private prune(now: number): void {
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next();
      if (oldest.done) break;
      this.keys.delete(oldest.value);
    }
    if (now < this.nextSweepAt) return;
    // Sweeping a few times per period keeps idle keys from holding memory; the oldest come
    // first, so the sweep stops at the first key still in use.
    this.nextSweepAt = now + Math.max(1_000, this.periodMs / 4);
    for (const [key, state] of this.keys) {
      if (!this.isIdle(state, now)) break;
      this.keys.delete(key);
    }
  }
}

function refuse(remainingMs: number): CheckResult {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
