/**
 * A billing profile's usage for the API (GET /api/billing) and the billing webhook's hook after a
 * plan change. The metering cron (./metering.ts) is what counts; these read and re-decide.
 */
import { invalidateCapacity } from './capacity';
import { DEFAULT_GRACE_DAYS, settle, stateAt, type UsageState, usagePercent } from './state';
import { type ProfileUsage, readProfileUsage, updateSettled } from './store';

export interface Usage {
  /** Metered events (pageviews and custom events) this period, as of the last metering run. */
  events: number;
  /** The monthly limit: the plan's, or the operator's override. */
  limit: number;
  /** Whole percent of the limit, rounded down; may exceed 100. */
  percent: number;
  state: UsageState;
  /** Unix seconds when the grace period ends (ends: state `over`); null below the limit. */
  grace_ends_at: number | null;
  /** Metered events refused with `over_quota` this period. */
  over_events: number;
  /** The period, unix seconds: [period_start, period_end). */
  period_start: number;
  period_end: number;
}

function toUsage(found: ProfileUsage, nowMs: number, graceDays: number): Usage {
  const { row, period } = found;
  const limit = found.limits.monthlyEvents;
  const events = row?.events ?? 0;
  const now = Math.floor(nowMs / 1000);
  const graceSeconds = graceDays * 86_400;
  const settled = row ? settle(row, events, limit, now, graceSeconds) : null;
  return {
    events,
    limit,
    percent: usagePercent(events, limit),
    state: row ? stateAt(row, limit, now, graceSeconds) : 'ok',
    grace_ends_at: settled?.grace_ends_at ?? null,
    over_events: row?.over_events ?? 0,
    period_start: period.start,
    period_end: period.end,
  };
}

/**
 * The profile's usage in its current billing period at `nowMs`; null when there is no such
 * profile. A period the cron has not metered yet reads as 0 events, `ok`.
 * `graceDays`: pass `configOf(env).quotaGraceDays`.
 */
export async function currentUsage(
  db: D1Database,
  profileId: number,
  nowMs: number,
  graceDays = DEFAULT_GRACE_DAYS,
): Promise<Usage | null> {
  const found = await readProfileUsage(db, profileId, nowMs);
  return found ? toUsage(found, nowMs, graceDays) : null;
}

/**
 * Decides the stored period's state again under the profile's current plan and limit, and tells
 * this isolate's capacity cache. Call it right after changing a profile's plan or limit (the
 * Stripe webhook, the admin override): an upgrade that covers the usage turns `over` into `ok` (or
 * `warning`) for the very next event in this isolate, and in every other isolate within the
 * capacity cache's TTL (CAPACITY_CACHE_SECONDS, default 15 minutes) — sooner where a cached entry
 * expires. A raised limit that still does not cover the usage starts a fresh grace period. No
 * mail is sent from here; the next metering run sends any that became due.
 * `graceDays`: pass `configOf(env).quotaGraceDays`.
 */
export async function recomputeState(
  db: D1Database,
  profileId: number,
  nowMs: number,
  graceDays = DEFAULT_GRACE_DAYS,
): Promise<Usage | null> {
  const found = await readProfileUsage(db, profileId, nowMs);
  if (found?.row) {
    const now = Math.floor(nowMs / 1000);
    const settled = settle(found.row, found.row.events, found.limits.monthlyEvents, now, graceDays * 86_400);
    await updateSettled(db, found.row, settled, now);
    found.row = { ...found.row, ...settled };
  }
  invalidateCapacity(profileId);
  return found ? toUsage(found, nowMs, graceDays) : null;
}
