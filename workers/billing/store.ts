/**
 * The D1 side of usage metering: `usage_periods` (schema/d1/0007_usage.sql) and the billing
 * profile columns it is read with. Every statement about usage lives here; the metering job, the
 * capacity cache and the billing API call these.
 */
import {
  type BillingPeriod,
  type BillingProfileLimits,
  billingPeriod,
  effectiveLimits,
  type LimitsRow,
} from '../../functions/billing/plans';
import { type Settled, WARNING_PERCENT } from './state';

/** One row of `usage_periods`. */
export interface UsagePeriodRow {
  billing_profile_id: number;
  period_start: number;
  period_end: number;
  events: number;
  over_events: number;
  limit_events: number;
  state: string;
  warned_at: number | null;
  depleted_at: number | null;
  grace_ends_at: number | null;
}

/** A billing profile's limits and current period, with the usage stored for that period. */
export interface ProfileUsage {
  limits: BillingProfileLimits;
  period: BillingPeriod;
  /** Null until the metering job has counted this period. */
  row: UsagePeriodRow | null;
}

export const USAGE_COLUMNS = `billing_profile_id, period_start, period_end, events, over_events, limit_events,
  state, warned_at, depleted_at, grace_ends_at`;

type ProfileJoinRow = LimitsRow & {
  profile_period_start: number | null;
  profile_period_end: number | null;
} & { [K in keyof UsagePeriodRow]: UsagePeriodRow[K] | null };

/**
 * A profile's limits, its period at `nowMs` and that period's usage row, in one D1 query (the
 * capacity cache runs it on a miss). Null when there is no such profile.
 */
export async function readProfileUsage(
  db: D1Database,
  profileId: number,
  nowMs: number,
): Promise<ProfileUsage | null> {
  // Rows of periods that have not ended: the current one, and at most a few others (a plan
  // change moves a profile from calendar months to Stripe's period); the right one is picked below.
  const { results } = await db
    .prepare(
      `SELECT p.plan_code, p.custom_monthly_events, p.custom_sites, p.plan_changed_at, p.custom_limits_set_at,
              p.period_start AS profile_period_start, p.period_end AS profile_period_end,
              u.billing_profile_id, u.period_start, u.period_end, u.events, u.over_events, u.limit_events,
              u.state, u.warned_at, u.depleted_at, u.grace_ends_at
         FROM billing_profiles p
         LEFT JOIN usage_periods u ON u.billing_profile_id = p.id AND u.period_end > ?2
        WHERE p.id = ?1`,
    )
    .bind(profileId, Math.floor(nowMs / 1000))
    .all<ProfileJoinRow>();
  const first = results[0];
  if (!first) return null;
  const period = billingPeriod(
    { period_start: first.profile_period_start, period_end: first.profile_period_end },
    nowMs,
  );
  const match = results.find((r) => r.period_start === period.start && r.billing_profile_id !== null);
  return { limits: effectiveLimits(first), period, row: match ? toUsageRow(match) : null };
}

function toUsageRow(r: ProfileJoinRow): UsagePeriodRow {
  return {
    billing_profile_id: r.billing_profile_id ?? 0,
    period_start: r.period_start ?? 0,
    period_end: r.period_end ?? 0,
    events: r.events ?? 0,
    over_events: r.over_events ?? 0,
    limit_events: r.limit_events ?? 0,
    state: r.state ?? 'ok',
    warned_at: r.warned_at,
    depleted_at: r.depleted_at,
    grace_ends_at: r.grace_ends_at,
  };
}

/**
 * SET clauses that forget a sent mail when the limit changed and usage is now under that mail's
 * threshold of the new limit, so an upgraded customer is told again when they near the new one.
 * Evaluated by SQLite against the stored row in the same statement that changes the limit, so a
 * mail claimed by an overlapping run is never forgotten by a stale read.
 */
function markerResets(events: string, limit: string): string {
  return `warned_at = CASE WHEN ${limit} != limit_events AND ${events} * 100 < ${limit} * ${WARNING_PERCENT}
                      THEN NULL ELSE warned_at END,
          depleted_at = CASE WHEN ${limit} != limit_events AND ${events} < ${limit}
                      THEN NULL ELSE depleted_at END`;
}

/** The metering job's write: the period's new count and state, re-runnable (the count replaces the old one). */
export function upsertMetered(
  db: D1Database,
  profileId: number,
  period: BillingPeriod,
  events: number,
  settled: Settled,
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO usage_periods (billing_profile_id, period_start, period_end, events, limit_events, state,
                                  grace_ends_at, metered_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
       ON CONFLICT (billing_profile_id, period_start) DO UPDATE SET
         ${markerResets('excluded.events', 'excluded.limit_events')},
         period_end = excluded.period_end, events = excluded.events, limit_events = excluded.limit_events,
         state = excluded.state, grace_ends_at = excluded.grace_ends_at,
         metered_at = excluded.metered_at, updated_at = excluded.updated_at`,
    )
    .bind(
      profileId,
      period.start,
      period.end,
      events,
      settled.limit_events,
      settled.state,
      settled.grace_ends_at,
      now,
    );
}

/** A new state for the stored count (after a plan change), without counting again. */
export async function updateSettled(
  db: D1Database,
  row: Pick<UsagePeriodRow, 'billing_profile_id' | 'period_start'>,
  settled: Settled,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `UPDATE usage_periods SET ${markerResets('events', '?3')},
              limit_events = ?3, state = ?4, grace_ends_at = ?5, updated_at = ?6
        WHERE billing_profile_id = ?1 AND period_start = ?2`,
    )
    .bind(
      row.billing_profile_id,
      row.period_start,
      settled.limit_events,
      settled.state,
      settled.grace_ends_at,
      now,
    )
    .run();
}

/** The current rows of every profile (periods not ended at `now`), keyed `profile:period_start`. */
export async function currentRows(db: D1Database, now: number): Promise<Map<string, UsagePeriodRow>> {
  const { results } = await db
    .prepare(`SELECT ${USAGE_COLUMNS} FROM usage_periods WHERE period_end > ?1`)
    .bind(now)
    .all<UsagePeriodRow>();
  return new Map(results.map((row) => [periodKey(row.billing_profile_id, row.period_start), row]));
}

export function periodKey(profileId: number, periodStart: number): string {
  return `${profileId}:${periodStart}`;
}

export type MailMarker = 'warned_at' | 'depleted_at';

/** States in which each mail is due. */
const MARKER_STATES: Record<MailMarker, string> = {
  warned_at: `'warning', 'grace', 'over'`,
  depleted_at: `'grace', 'over'`,
};

/**
 * Claims a mail of one period: sets the marker only if it is unset and the stored state calls for
 * the mail, and returns the row when this call set it. Two runs racing get one row between them,
 * so the mail goes out once.
 */
export async function claimMail(
  db: D1Database,
  marker: MailMarker,
  key: Pick<UsagePeriodRow, 'billing_profile_id' | 'period_start'>,
  now: number,
): Promise<UsagePeriodRow | null> {
  return db
    .prepare(
      `UPDATE usage_periods SET ${marker} = ?3
        WHERE billing_profile_id = ?1 AND period_start = ?2 AND ${marker} IS NULL
          AND state IN (${MARKER_STATES[marker]})
        RETURNING ${USAGE_COLUMNS}`,
    )
    .bind(key.billing_profile_id, key.period_start, now)
    .first<UsagePeriodRow>();
}

/** Gives a claim back after the mail could not be sent, so the next run tries again. */
export async function releaseMail(
  db: D1Database,
  marker: MailMarker,
  key: Pick<UsagePeriodRow, 'billing_profile_id' | 'period_start'>,
  claimedAt: number,
): Promise<void> {
  await db
    .prepare(
      `UPDATE usage_periods SET ${marker} = NULL
        WHERE billing_profile_id = ?1 AND period_start = ?2 AND ${marker} = ?3`,
    )
    .bind(key.billing_profile_id, key.period_start, claimedAt)
    .run();
}

/** Adds refused events to their periods: one statement per period, in one batch. */
export async function addOverEvents(
  db: D1Database,
  counts: { profileId: number; periodStart: number; events: number }[],
  now: number,
): Promise<void> {
  if (counts.length === 0) return;
  await db.batch(
    counts.map((c) =>
      db
        .prepare(
          `UPDATE usage_periods SET over_events = over_events + ?3, updated_at = ?4
            WHERE billing_profile_id = ?1 AND period_start = ?2`,
        )
        .bind(c.profileId, c.periodStart, c.events, now),
    ),
  );
}
