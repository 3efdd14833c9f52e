/**
 * The figures of the operator's daily email (workers/jobs/staff-daily.ts): one UTC day of
 * sign-ups, active sites, events, dead letters, job failures, quota, revenue and failed payments,
 * each read from the store that owns it. Every read is one statement; none scans more than the
 * day (ClickHouse reads the hourly `usage_hourly` rollup, not raw events).
 */

import type { ReadQuery } from '../../workers/clickhouse/read';
import { PLANS, planById } from '../billing/plans';

const DAY_MS = 86_400_000;

/** A count for the day and the day before, for "vs previous day". */
export interface DayCount {
  day: number;
  previous: number;
}

export interface JobProblem {
  job: string;
  /** Runs of the day that ended in `error`. */
  failedRuns: number;
  /** The monitor's open alert for the job now ('failed' or 'late'), if any. */
  alert: string | null;
  /** The latest error message seen (a failed run's, else the job's last). */
  lastError: string | null;
}

export interface QuotaProblem {
  profileId: number;
  email: string | null;
  plan: string;
  /** 'grace' (at or over the limit, still ingesting) or 'over' (refusing events). */
  state: string;
  events: number;
  limit: number;
  /** Unix seconds; null outside grace. */
  graceEndsAt: number | null;
  sites: number;
}

export interface BusySite {
  siteId: number;
  domain: string;
  events: number;
}

export interface StaffFigures {
  /** The UTC date the figures are for, 'YYYY-MM-DD'. */
  day: string;
  signups: DayCount;
  newSites: DayCount;
  /** Sites with at least one stored event of any kind that day. */
  activeSites: DayCount;
  /** Every stored event (pageviews, custom, engagement, performance). */
  events: DayCount;
  /** Pageviews and custom events: what plans are metered by. */
  meteredEvents: number;
  busiestSites: BusySite[];
  deadLetters: { batches: number; events: number; waitingBatches: number; waitingEvents: number };
  /** Null when the job tables cannot be read (then `jobsNote` says why). */
  jobs: JobProblem[] | null;
  jobsNote?: string;
  overQuota: QuotaProblem[];
  /** Profiles at 80 % or more of their limit, not yet at it. */
  nearQuota: number;
  revenue: {
    /** Monthly recurring revenue, US cents: every active paid subscription, yearly ones / 12. */
    mrrCents: number;
    /** Paid profiles by subscription status ('active', 'past_due', 'trialing', …). */
    subscriptions: Record<string, number>;
    /** Active subscriptions set to end at their period's end (still counted in MRR). */
    cancelling: number;
  };
  /** `invoice.payment_failed` webhooks received that day (Stripe sends one per failed attempt). */
  paymentsFailed: number;
  /** Paid profiles whose subscription is past_due now: the customers behind those failures. */
  pastDue: { profileId: number; email: string | null; plan: string }[];
}

/** Unix-ms bounds of a UTC date: [start, end). */
export function dayBounds(day: string): { start: number; end: number } {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  return { start, end: start + DAY_MS };
}

/** The UTC date before `day`. */
export function previousDay(day: string): string {
  return new Date(dayBounds(day).start - DAY_MS).toISOString().slice(0, 10);
}

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => Math.floor(ms / 1000);

/** Rows counted per day over [previous day, day), ISO-text timestamps (users, sites). */
async function countByIsoDay(db: D1Database, table: 'users' | 'sites', day: string): Promise<DayCount> {
  const { start, end } = dayBounds(day);
  const row = await db
    .prepare(
      `SELECT sum(created_at >= ?2) AS day, sum(created_at < ?2) AS previous
         FROM ${table} WHERE created_at >= ?1 AND created_at < ?3`,
    )
    .bind(iso(start - DAY_MS), iso(start), iso(end))
    .first<{ day: number | null; previous: number | null }>();
  return { day: row?.day ?? 0, previous: row?.previous ?? 0 };
}

const USAGE_SQL = `
SELECT toUInt32(site_id) AS site_id, toDate(hour) = {day:Date} AS is_day,
       sum(events) AS total, sumIf(events, kind IN ('pageview', 'custom')) AS metered
  FROM usage_hourly
 WHERE hour >= toDateTime({from:UInt32}, 'UTC') AND hour < toDateTime({to:UInt32}, 'UTC')
 GROUP BY site_id, is_day
HAVING total > 0`;

interface UsageRow {
  site_id: number | string;
  is_day: number | string | boolean;
  total: number | string;
  metered: number | string;
}

/** Events per site of the day and the day before, from the hourly usage rollup (exact: whole hours). */
async function readUsage(read: ReadQuery, day: string) {
  const { start, end } = dayBounds(day);
  const rows = await read<UsageRow>(USAGE_SQL, {
    day,
    from: seconds(start - DAY_MS),
    to: seconds(end),
  });
  const perSite = new Map<number, number>();
  const events: DayCount = { day: 0, previous: 0 };
  const activeSites: DayCount = { day: 0, previous: 0 };
  let metered = 0;
  for (const row of rows) {
    const isDay = row.is_day === true || Number(row.is_day) === 1;
    const n = Number(row.total);
    if (isDay) {
      events.day += n;
      activeSites.day++;
      metered += Number(row.metered);
      perSite.set(Number(row.site_id), n);
    } else {
      events.previous += n;
      activeSites.previous++;
    }
  }
  return { events, activeSites, metered, perSite };
}

/** How many sites the email names as the busiest. */
export const BUSIEST_SITES = 5;

async function busiestSites(db: D1Database, perSite: Map<number, number>): Promise<BusySite[]> {
  const top = [...perSite.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, BUSIEST_SITES);
  if (top.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT id, domain FROM sites WHERE id IN (${top.map((_, i) => `?${i + 1}`).join(', ')})`)
    .bind(...top.map(([id]) => id))
    .all<{ id: number; domain: string }>();
  const domains = new Map(results.map((r) => [r.id, r.domain]));
  return top.map(([siteId, events]) => ({
    siteId,
    // A site hard-deleted since keeps its id in ClickHouse until its data is gone.
    domain: domains.get(siteId) ?? `site ${siteId} (deleted)`,
    events,
  }));
}

async function deadLetters(db: D1Database, day: string): Promise<StaffFigures['deadLetters']> {
  const { start, end } = dayBounds(day);
  const row = await db
    .prepare(
      `SELECT count(*) AS waiting_batches, coalesce(sum(events), 0) AS waiting_events,
              coalesce(sum(received_at >= ?1 AND received_at < ?2), 0) AS batches,
              coalesce(sum(CASE WHEN received_at >= ?1 AND received_at < ?2 THEN events ELSE 0 END), 0) AS events
         FROM dead_letters`,
    )
    .bind(seconds(start), seconds(end))
    .first<{ batches: number; events: number; waiting_batches: number; waiting_events: number }>();
  return {
    batches: row?.batches ?? 0,
    events: row?.events ?? 0,
    waitingBatches: row?.waiting_batches ?? 0,
    waitingEvents: row?.waiting_events ?? 0,
  };
}

/**
 * Jobs with failed runs that day, or an open monitor alert now (job_runs and job_state of
 * schema/d1/0009_jobs.sql). A schema without those tables gives null and a note, not a failed email.
 */
async function jobProblems(
  db: D1Database,
  day: string,
): Promise<{ jobs: JobProblem[] | null; note?: string }> {
  const { start, end } = dayBounds(day);
  try {
    const [failed, open] = await db.batch<{
      job: string;
      failed_runs: number;
      alert: string | null;
      last_error: string | null;
    }>([
      db
        .prepare(
          `SELECT r.job, count(*) AS failed_runs, NULL AS alert,
                  (SELECT error FROM job_runs x WHERE x.job = r.job AND x.status = 'error'
                      AND x.started_at >= ?1 AND x.started_at < ?2 ORDER BY x.started_at DESC LIMIT 1) AS last_error
             FROM job_runs r WHERE r.status = 'error' AND r.started_at >= ?1 AND r.started_at < ?2
            GROUP BY r.job`,
        )
        .bind(start, end),
      db.prepare('SELECT job, 0 AS failed_runs, alert, last_error FROM job_state WHERE alert IS NOT NULL'),
    ]);
    const byJob = new Map<string, JobProblem>();
    for (const r of [...(failed?.results ?? []), ...(open?.results ?? [])]) {
      const known = byJob.get(r.job);
      byJob.set(r.job, {
        job: r.job,
        failedRuns: (known?.failedRuns ?? 0) + r.failed_runs,
        alert: known?.alert ?? r.alert,
        lastError: known?.lastError ?? r.last_error,
      });
    }
    return { jobs: [...byJob.values()].sort((a, b) => a.job.localeCompare(b.job)) };
  } catch (error) {
    return {
      jobs: null,
      note: `job records could not be read: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

interface QuotaRow {
  profile_id: number;
  email: string | null;
  plan_code: string;
  state: string;
  events: number;
  limit_events: number;
  grace_ends_at: number | null;
  sites: number;
}

/** Current billing periods (not ended at `nowMs`) at or over their limit, and the number near it. */
async function quota(db: D1Database, nowMs: number): Promise<{ over: QuotaProblem[]; near: number }> {
  const now = seconds(nowMs);
  const [over, near] = await db.batch<QuotaRow & { n: number }>([
    db
      .prepare(
        `SELECT u.billing_profile_id AS profile_id, us.email, p.plan_code, u.state, u.events, u.limit_events,
                u.grace_ends_at,
                (SELECT count(*) FROM sites s WHERE s.billing_profile_id = p.id AND s.deleted_at IS NULL) AS sites
           FROM usage_periods u
           JOIN billing_profiles p ON p.id = u.billing_profile_id
           LEFT JOIN users us ON us.id = p.owner_user_id
          WHERE u.period_start <= ?1 AND u.period_end > ?1 AND u.state IN ('grace', 'over')
          ORDER BY u.state DESC, u.events DESC`,
      )
      .bind(now),
    db
      .prepare(
        `SELECT count(*) AS n FROM usage_periods
          WHERE period_start <= ?1 AND period_end > ?1 AND state = 'warning'`,
      )
      .bind(now),
  ]);
  return {
    over: (over?.results ?? []).map((r) => ({
      profileId: r.profile_id,
      email: r.email,
      plan: planById(r.plan_code).name,
      state: r.state,
      events: r.events,
      limit: r.limit_events,
      graceEndsAt: r.grace_ends_at,
      sites: r.sites,
    })),
    near: near?.results[0]?.n ?? 0,
  };
}

/** The plans Stripe charges for. */
const PLAN_IDS_PAID = Object.values(PLANS)
  .filter((plan) => plan.paid)
  .map((plan) => plan.id);

interface SubscriptionRow {
  id: number;
  email: string | null;
  plan_code: string;
  plan_interval: string | null;
  subscription_status: string | null;
  cancel_at_period_end: number;
}

/**
 * MRR from the profiles the Stripe webhook keeps in step with Stripe: the list price of each
 * active paid subscription (functions/billing/plans.ts), a yearly one as a twelfth. Trialing and
 * past_due subscriptions are counted by status but not in MRR; list prices, not discounts.
 */
async function revenue(db: D1Database) {
  const paid = PLAN_IDS_PAID.map((_, i) => `?${i + 1}`).join(', ');
  const { results } = await db
    .prepare(
      `SELECT p.id, u.email, p.plan_code, p.plan_interval, p.subscription_status, p.cancel_at_period_end
         FROM billing_profiles p LEFT JOIN users u ON u.id = p.owner_user_id
        WHERE p.plan_code IN (${paid}) AND p.subscription_status IS NOT NULL`,
    )
    .bind(...PLAN_IDS_PAID)
    .all<SubscriptionRow>();
  let mrrCents = 0;
  let cancelling = 0;
  const subscriptions: Record<string, number> = {};
  const pastDue: StaffFigures['pastDue'] = [];
  for (const row of results) {
    const status = row.subscription_status ?? 'unknown';
    subscriptions[status] = (subscriptions[status] ?? 0) + 1;
    const plan = planById(row.plan_code);
    if (status === 'active') {
      mrrCents += row.plan_interval === 'year' ? plan.priceCents.year / 12 : plan.priceCents.month;
      if (row.cancel_at_period_end) cancelling++;
    }
    if (status === 'past_due' || status === 'unpaid') {
      pastDue.push({ profileId: row.id, email: row.email, plan: plan.name });
    }
  }
  return { revenue: { mrrCents: Math.round(mrrCents), subscriptions, cancelling }, pastDue };
}

/** `invoice.payment_failed` events as recorded by the webhook (stripe_events, one row per event id). */
async function paymentsFailed(db: D1Database, day: string): Promise<number> {
  const { start, end } = dayBounds(day);
  const row = await db
    .prepare(
      `SELECT count(*) AS n FROM stripe_events
        WHERE type = 'invoice.payment_failed' AND received_at >= ?1 AND received_at < ?2`,
    )
    .bind(seconds(start), seconds(end))
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Every figure for the UTC date `day`, as of `nowMs` (quota and revenue are "now": they have no
 * history to read a past day from).
 */
export async function staffFigures(
  db: D1Database,
  read: ReadQuery,
  day: string,
  nowMs: number,
): Promise<StaffFigures> {
  const [signups, newSites, usage, dead, jobs, quotaNow, money, failed] = await Promise.all([
    countByIsoDay(db, 'users', day),
    countByIsoDay(db, 'sites', day),
    readUsage(read, day),
    deadLetters(db, day),
    jobProblems(db, day),
    quota(db, nowMs),
    revenue(db),
    paymentsFailed(db, day),
  ]);
  return {
    day,
    signups,
    newSites,
    activeSites: usage.activeSites,
    events: usage.events,
    meteredEvents: usage.metered,
    busiestSites: await busiestSites(db, usage.perSite),
    deadLetters: dead,
    jobs: jobs.jobs,
    ...(jobs.note ? { jobsNote: jobs.note } : {}),
    overQuota: quotaNow.over,
    nearQuota: quotaNow.near,
    revenue: money.revenue,
    paymentsFailed: failed,
    pastDue: money.pastDue,
  };
}
