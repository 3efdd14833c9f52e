/**
 * The soft-limit state machine of one billing period, as pure functions of the stored usage, the
 * limit and the time, so the metering cron, the ingest capacity check and GET /api/billing decide
 * it the same way:
 *
 *   ok ──(≥ 80 %)──▶ warning ──(≥ 100 %)──▶ grace ──(QUOTA_GRACE_DAYS later)──▶ over
 *   any state ──(new period, or a limit the usage is under)──▶ ok (or warning)
 *
 * Only `over` refuses events (202 `over_quota`); grace keeps ingesting everything.
 */

export type UsageState = 'ok' | 'warning' | 'grace' | 'over';

export const USAGE_STATES: readonly UsageState[] = ['ok', 'warning', 'grace', 'over'];

/** Usage at or above this share of the limit gets the warning mail. */
export const WARNING_PERCENT = 80;

/** QUOTA_GRACE_DAYS when the var is not set. */
export const DEFAULT_GRACE_DAYS = 7;

/** What a period's state is decided from (a `usage_periods` row, or the part of it that matters). */
export interface StoredUsage {
  events: number;
  /** The limit the stored state was decided under. */
  limit_events: number;
  state: string;
  grace_ends_at: number | null;
}

export interface Settled {
  limit_events: number;
  state: UsageState;
  grace_ends_at: number | null;
}

/** Whole percent of the limit used, rounded down (79.9 % is 79: not yet a warning). */
export function usagePercent(events: number, limit: number): number {
  if (limit <= 0) return events > 0 ? 100 : 0;
  return Math.floor((events * 100) / limit);
}

/** At or over the limit. A limit of 0 (an operator's "nothing") is reached by the first event. */
function depleted(events: number, limit: number): boolean {
  return limit <= 0 ? events > 0 : events >= limit;
}

/**
 * The state of a period with `events` counted under `limit` at `now` (unix seconds), given what
 * was stored before (`previous`, null for a period not metered yet).
 *
 * The grace period starts when usage first reaches the limit and is kept across runs. A raised
 * limit (an upgrade, or an operator's override) that still does not cover the usage starts a
 * fresh grace period: the customer acted, and gets the full grace to pick the right plan. A
 * lowered or unchanged limit keeps the running grace period, so switching plans cannot reset it.
 *
 * A stored `over` under the same limit stays `over`: usage never shrinks within a period and time
 * does not run back, so it can only differ from `now`'s verdict when the stored state was decided
 * by a clock ahead of this one (the quota drill drives the cron with a simulated time).
 */
export function settle(
  previous: StoredUsage | null,
  events: number,
  limit: number,
  now: number,
  graceSeconds: number,
): Settled {
  if (!depleted(events, limit)) {
    const state = usagePercent(events, limit) >= WARNING_PERCENT ? 'warning' : 'ok';
    return { limit_events: limit, state, grace_ends_at: null };
  }
  const running = previous?.grace_ends_at ?? null;
  const raised = previous !== null && limit > previous.limit_events;
  const graceEndsAt = running === null || raised ? now + graceSeconds : running;
  const stillOver = previous?.state === 'over' && previous.limit_events === limit;
  const state = stillOver || now >= graceEndsAt ? 'over' : 'grace';
  return { limit_events: limit, state, grace_ends_at: graceEndsAt };
}

/** The state of a stored period at `now` under `limit` (which may have changed since it was stored). */
export function stateAt(stored: StoredUsage, limit: number, now: number, graceSeconds: number): UsageState {
  return settle(stored, stored.events, limit, now, graceSeconds).state;
}
