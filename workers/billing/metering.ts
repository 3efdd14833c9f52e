/**
 * The metering job (15-minute cron): for every billing profile with sites, this period's metered
 * events counted in ClickHouse, the soft-limit state decided (./state.ts), both written to D1,
 * and the 80 % and 100 % mails sent once per period.
 *
 * Idempotent and self-healing: each run counts the whole period again and replaces the stored
 * number, so a retried, overlapping or missed run leaves the same result as one on time. Mails
 * are claimed by a conditional UPDATE before they are sent (./store.ts, `claimMail`), so two runs
 * never send one twice; a mail that fails is given back and tried again by the next run.
 */
import { authConfig } from '../../functions/auth/config';
import { capacityDepletedEmail, quotaWarningEmail } from '../../functions/billing/emails';
import {
  type BillingPeriod,
  billingPeriod,
  effectiveLimits,
  type LimitsRow,
  type PeriodRow,
} from '../../functions/billing/plans';
import { type MailMessage, mailerFor } from '../../functions/mail';
import { type ReadQuery, readExecutor } from '../clickhouse/read';
import { configOf } from '../config';
import type { Env } from '../env';
import { log } from '../observability/log';
import { invalidateCapacity } from './capacity';
import { countMeteredEvents, type SiteWindow } from './count';
import { type Settled, settle, type UsageState } from './state';
import {
  claimMail,
  currentRows,
  type MailMarker,
  periodKey,
  releaseMail,
  type UsagePeriodRow,
  upsertMetered,
} from './store';

/** D1 statements per batch when writing the counts. */
const WRITES_PER_BATCH = 50;

export interface MeteringResult {
  /** Billing profiles metered (those with at least one site, deleted ones included). */
  profiles: number;
  sites: number;
  /** Profiles per state after this run. */
  states: Record<UsageState, number>;
  /** Mails sent by this run. */
  warningMails: number;
  depletedMails: number;
  /** Mails that could not be sent (given back for the next run). */
  mailFailures: number;
}

interface ProfileRow extends LimitsRow, PeriodRow {
  id: number;
  email: string | null;
  /** Comma-separated site ids: every site of the profile, soft-deleted ones too. */
  site_ids: string;
}

interface Metered {
  profile: ProfileRow;
  period: BillingPeriod;
  events: number;
  limit: number;
  planName: string;
  previous: UsagePeriodRow | null;
  state: UsageState;
}

export interface MeteringOptions {
  /** ClickHouse reads; default the read executor under the API's read profile. */
  read?: ReadQuery;
}

/**
 * Meters every billing profile at `nowMs` (the cron's scheduled time). A soft-deleted site keeps
 * counting until the hard delete removes its events: they were accepted in this period.
 */
export async function meterUsage(
  env: Env,
  nowMs: number,
  options: MeteringOptions = {},
): Promise<MeteringResult> {
  const config = configOf(env);
  const now = Math.floor(nowMs / 1000);
  const graceSeconds = config.quotaGraceDays * 86_400;
  const { results: profiles } = await env.DB.prepare(
    `SELECT p.id, p.plan_code, p.custom_monthly_events, p.custom_sites, p.plan_changed_at,
            p.custom_limits_set_at, p.period_start, p.period_end,
            u.email, group_concat(s.id) AS site_ids
       FROM billing_profiles p
       JOIN sites s ON s.billing_profile_id = p.id
       LEFT JOIN users u ON u.id = p.owner_user_id
      GROUP BY p.id`,
  ).all<ProfileRow>();

  const windows: SiteWindow[] = [];
  const periods = new Map<number, BillingPeriod>();
  for (const profile of profiles) {
    const period = billingPeriod(profile, nowMs);
    periods.set(profile.id, period);
    for (const id of profile.site_ids.split(',')) {
      windows.push({ siteId: Number(id), start: period.start, end: period.end });
    }
  }
  const read = options.read ?? readExecutor(env, { limits: config.clickhouseRead });
  const counts = windows.length ? await countMeteredEvents(read, windows) : new Map<number, number>();
  const previous = await currentRows(env.DB, now);

  const metered: Metered[] = [];
  const writes: D1PreparedStatement[] = [];
  for (const profile of profiles) {
    const period = periods.get(profile.id) ?? billingPeriod(profile, nowMs);
    const limits = effectiveLimits(profile);
    let events = 0;
    for (const id of profile.site_ids.split(',')) events += counts.get(Number(id)) ?? 0;
    const before = previous.get(periodKey(profile.id, period.start)) ?? null;
    const settled = settle(before, events, limits.monthlyEvents, now, graceSeconds);
    // An idle profile's row is left alone: D1 bills rows written, and most runs change nothing.
    if (!unchanged(before, period, events, settled)) {
      writes.push(upsertMetered(env.DB, profile.id, period, events, settled, now));
    }
    metered.push({
      profile,
      period,
      events,
      limit: limits.monthlyEvents,
      planName: limits.plan.name,
      previous: before,
      state: settled.state,
    });
  }
  for (let i = 0; i < writes.length; i += WRITES_PER_BATCH) {
    await env.DB.batch(writes.slice(i, i + WRITES_PER_BATCH));
  }
  // This isolate's ingest sees a changed state at once; other isolates within their cache TTL.
  for (const m of metered) {
    if (m.previous?.state !== m.state || m.previous.limit_events !== m.limit)
      invalidateCapacity(m.profile.id);
  }

  const result: MeteringResult = {
    profiles: profiles.length,
    sites: windows.length,
    states: { ok: 0, warning: 0, grace: 0, over: 0 },
    warningMails: 0,
    depletedMails: 0,
    mailFailures: 0,
  };
  for (const m of metered) {
    result.states[m.state]++;
    if (m.state === 'ok' || !mailsMayBeDue(m)) continue;
    await sendDueMails(env, m, now, config.quotaGraceDays, result);
  }
  return result;
}

function unchanged(
  before: UsagePeriodRow | null,
  period: BillingPeriod,
  events: number,
  settled: Settled,
): boolean {
  return (
    before !== null &&
    before.period_end === period.end &&
    before.events === events &&
    before.limit_events === settled.limit_events &&
    before.state === settled.state &&
    before.grace_ends_at === settled.grace_ends_at
  );
}

/** Whether a claim is worth trying: a mail of this period not known to be sent, or a changed limit. */
function mailsMayBeDue(m: Metered): boolean {
  const before = m.previous;
  return (
    before === null ||
    before.warned_at === null ||
    before.depleted_at === null ||
    before.limit_events !== m.limit
  );
}

/**
 * Claims and sends the period's due mails: "capacity depleted" in grace or over, the warning in
 * warning. Reaching 100 % between two runs skips the warning: its marker is claimed without a
 * mail, since the depleted mail says more.
 */
async function sendDueMails(
  env: Env,
  m: Metered,
  now: number,
  graceDays: number,
  result: MeteringResult,
): Promise<void> {
  const key = { billing_profile_id: m.profile.id, period_start: m.period.start };
  const appUrl = authConfig(env).appUrl;
  const facts = {
    planName: m.planName,
    events: m.events,
    limit: m.limit,
    periodEnd: m.period.end,
    graceDays,
  };

  const depleted = await claimMail(env.DB, 'depleted_at', key, now);
  if (depleted && m.profile.email) {
    const message = capacityDepletedEmail(m.profile.email, appUrl, {
      ...facts,
      graceEndsAt: depleted.grace_ends_at ?? now,
    });
    if (await send(env, message, 'depleted_at', key, now)) result.depletedMails++;
    else result.mailFailures++;
  }
  const warned = await claimMail(env.DB, 'warned_at', key, now);
  if (warned?.state === 'warning' && m.profile.email) {
    const message = quotaWarningEmail(m.profile.email, appUrl, facts);
    if (await send(env, message, 'warned_at', key, now)) result.warningMails++;
    else result.mailFailures++;
  }
}

/** Sends one claimed mail; on failure gives the claim back and says so. */
async function send(
  env: Env,
  message: MailMessage,
  marker: MailMarker,
  key: Pick<UsagePeriodRow, 'billing_profile_id' | 'period_start'>,
  claimedAt: number,
): Promise<boolean> {
  try {
    await mailerFor(env).send(message);
    return true;
  } catch (error) {
    log('error', 'quota mail not sent; the next metering run retries', {
      kind: message.kind,
      profileId: key.billing_profile_id,
      error: error instanceof Error ? error.message : String(error),
    });
    await releaseMail(env.DB, marker, key, claimedAt);
    return false;
  }
}
