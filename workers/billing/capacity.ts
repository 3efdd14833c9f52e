/**
 * `hasEnoughCapacity(site)`: may the ingest path store one more event of this site? Decided from
 * what the metering cron stored in D1 (`usage_periods`) and the profile's plan, remembered per
 * billing profile in the isolate, so the common case costs no D1 read and no Durable Object call.
 *
 * - Cached for CAPACITY_CACHE_SECONDS (default 900, the cron's interval); concurrent misses for a
 *   profile share one query. The entry holds the period's end and the limit, so a new period (or
 *   a grace period that ends) flips the answer at once, without waiting for the cron or the TTL.
 * - `invalidateCapacity(profileId)` (the billing webhook after a plan change, the metering job
 *   after a state change) makes the next event of that profile in this isolate read D1 again;
 *   other isolates see the change within the TTL.
 * - Fails open: a D1 error admits events (and is remembered for at most 30 s, so an outage does
 *   not become one query per event).
 * - Events refused while over are counted here and added to D1 in one batch at most every 10 s
 *   per isolate (`flushRefused`, run after the response). An isolate evicted in between loses its
 *   last few seconds of counts: the figure is "at least", never more than what was refused.
 */
import type { SiteConfig } from '../ingest/site-cache';
import { log } from '../observability/log';
import { LookupCache } from '../runtime/lookup-cache';
import { stateAt } from './state';
import { addOverEvents, readProfileUsage, type UsagePeriodRow } from './store';

/** Profiles an isolate keeps at most. */
const MAX_CACHED_PROFILES = 10_000;
/** How long an isolate remembers "no answer" (a D1 error, or no such profile): admitted meanwhile. */
const NO_ANSWER_TTL_SECONDS = 30;
/** Refused-event counts wait at most this long in the isolate before one batch writes them. */
const REFUSED_FLUSH_INTERVAL_MS = 10_000;

// Invalidation by sequence number, not by reaching into caches: any number of caches (one per
// pipeline; tests make several) see it, and a load that was running when the invalidation came
// is not trusted either, because it may have read D1 before the change.
let sequence = 0;
let allStaleUpTo = 0;
const profileStaleUpTo = new Map<number, number>();

/**
 * Forgets what this isolate knows about one profile's capacity (or every profile's), so its next
 * event reads D1 again. Call after changing the plan, the limit or the stored state.
 */
export function invalidateCapacity(billingProfileId?: number): void {
  sequence++;
  if (billingProfileId === undefined || profileStaleUpTo.size >= MAX_CACHED_PROFILES) {
    allStaleUpTo = sequence;
    profileStaleUpTo.clear();
    return;
  }
  profileStaleUpTo.set(billingProfileId, sequence);
}

function isFresh(profileId: number, loadedAt: number): boolean {
  return loadedAt > allStaleUpTo && loadedAt > (profileStaleUpTo.get(profileId) ?? 0);
}

/** What an isolate remembers about one profile. */
interface CapacitySnapshot {
  /** `sequence` when the load began. */
  loadedAt: number;
  periodStart: number;
  /** Unix seconds; from then on a new period has begun and nothing is counted against it yet. */
  periodEnd: number;
  limit: number;
  usage: Pick<UsagePeriodRow, 'events' | 'limit_events' | 'state' | 'grace_ends_at'> | null;
}

export interface CapacityOptions {
  /** CAPACITY_CACHE_SECONDS. */
  ttlSeconds: number;
  /** QUOTA_GRACE_DAYS: decides a grace period a plan change starts before the next metering run. */
  graceDays: number;
  now?: () => number;
}

export class CapacityCache {
  private readonly cache: LookupCache<CapacitySnapshot>;
  private readonly graceSeconds: number;
  /** Refused metered events not yet in D1, by `profile:period_start`. */
  private readonly refused = new Map<string, { profileId: number; periodStart: number; events: number }>();
  /** The period whose limit refused each profile's latest event. */
  private readonly refusingPeriod = new Map<number, number>();
  private lastFlush = 0;
  private flushing = false;

  constructor(
    private readonly db: D1Database,
    options: CapacityOptions,
  ) {
    this.graceSeconds = options.graceDays * 86_400;
    this.cache = new LookupCache({
      found: { maxEntries: MAX_CACHED_PROFILES, ttlMs: options.ttlSeconds * 1000 },
      missing: {
        maxEntries: 2_000,
        ttlMs: Math.min(options.ttlSeconds, NO_ANSWER_TTL_SECONDS) * 1000,
      },
      now: options.now,
      what: 'capacity lookup',
    });
  }

  /** D1 queries so far. */
  get queries(): number {
    return this.cache.loads;
  }

  /**
   * True unless the site's billing profile is `over` (past its grace period) in the current
   * period. Sites without a billing profile (seeded by our own scripts) are never limited.
   */
  async hasEnoughCapacity(site: Pick<SiteConfig, 'billingProfileId'>, nowMs: number): Promise<boolean> {
    const profileId = site.billingProfileId;
    if (profileId === null) return true;
    let snapshot: CapacitySnapshot | null;
    try {
      snapshot = await this.snapshot(profileId, nowMs);
    } catch (error) {
      // A shared load that did not settle in time: admit, like any other failure.
      log('warn', 'capacity check failed; admitting', { error: errorMessage(error) });
      return true;
    }
    if (!snapshot?.usage) return true;
    const now = Math.floor(nowMs / 1000);
    if (now >= snapshot.periodEnd) return true;
    if (stateAt(snapshot.usage, snapshot.limit, now, this.graceSeconds) !== 'over') return true;
    this.refusingPeriod.set(profileId, snapshot.periodStart);
    return false;
  }

  /** Counts one metered event refused for the site's profile (after `hasEnoughCapacity` said no). */
  countRefused(site: Pick<SiteConfig, 'billingProfileId'>): void {
    const profileId = site.billingProfileId;
    if (profileId === null) return;
    const periodStart = this.refusingPeriod.get(profileId);
    if (periodStart === undefined) return;
    const key = `${profileId}:${periodStart}`;
    const pending = this.refused.get(key);
    if (pending) pending.events++;
    else this.refused.set(key, { profileId, periodStart, events: 1 });
  }

  /** Refused events counted in this isolate and not yet written (tests). */
  get pendingRefused(): number {
    let total = 0;
    for (const { events } of this.refused.values()) total += events;
    return total;
  }

  /**
   * Writes the refused counts to D1 in one batch, at most every 10 s (or now, with `force`).
   * Never throws; a failed write keeps its counts for the next flush.
   */
  async flushRefused(options: { force?: boolean; nowMs?: number } = {}): Promise<void> {
    const nowMs = options.nowMs ?? Date.now();
    if (this.flushing || this.refused.size === 0) return;
    if (!options.force && nowMs - this.lastFlush < REFUSED_FLUSH_INTERVAL_MS) return;
    this.lastFlush = nowMs;
    this.flushing = true;
    const counts = [...this.refused.values()];
    this.refused.clear();
    try {
      await addOverEvents(this.db, counts, Math.floor(nowMs / 1000));
    } catch (error) {
      for (const c of counts) {
        const key = `${c.profileId}:${c.periodStart}`;
        const pending = this.refused.get(key);
        if (pending) pending.events += c.events;
        else this.refused.set(key, c);
      }
      log('warn', 'refused events not counted yet; retrying at the next flush', {
        error: errorMessage(error),
      });
    } finally {
      this.flushing = false;
    }
  }

  private async snapshot(profileId: number, nowMs: number): Promise<CapacitySnapshot | null> {
    const key = String(profileId);
    const load = () => this.load(profileId, nowMs);
    const cached = await this.cache.get(key, load);
    if (cached === null || isFresh(profileId, cached.loadedAt)) return cached;
    this.cache.invalidate(key);
    return this.cache.get(key, load);
  }

  private async load(profileId: number, nowMs: number): Promise<CapacitySnapshot | null> {
    const loadedAt = ++sequence;
    try {
      const found = await readProfileUsage(this.db, profileId, nowMs);
      if (!found) return null;
      return {
        loadedAt,
        periodStart: found.period.start,
        periodEnd: found.period.end,
        limit: found.limits.monthlyEvents,
        usage: found.row,
      };
    } catch (error) {
      // Fail open: a customer's events are worth more than enforcing a limit during a D1 outage.
      log('warn', 'capacity lookup failed; admitting events', { profileId, error: errorMessage(error) });
      return null;
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
