/**
 * The operator's daily email (issue 12, item 5): the figures of one UTC day from a crafted D1 and
 * ClickHouse dataset, one email per day whatever runs overlap, nothing before 07:00 UTC, nothing
 * without STAFF_EMAIL. Real D1, real ClickHouse, the real outbox.
 */
import { createScheduledController } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { staffFigures } from '../../../functions/staff/figures';
import { readExecutor } from '../../../workers/clickhouse/read';
import { configOf } from '../../../workers/config';
import { runScheduled } from '../../../workers/cron/scheduled';
import type { Env } from '../../../workers/env';
import type { EventKind } from '../../../workers/events/record';
import type { JobContext } from '../../../workers/jobs/job';
import { staffDaily } from '../../../workers/jobs/staff-daily';
import { testEnv } from '../helpers/stack';
import { insertSiteEvents } from '../metering/helpers';

const DAY_MS = 86_400_000;
const STAFF = 'ops@edgebear.test';
const staffEnv: Env = { ...testEnv, STAFF_EMAIL: STAFF };

/**
 * A UTC date of its own for each test, far from every other test's: ClickHouse is shared by all
 * test files of a run, and the day's totals count every site.
 */
function freshDay(): { day: string; start: number } {
  const start = Date.UTC(2045, 0, 1) + Math.floor(Math.random() * 20_000) * DAY_MS;
  return { day: new Date(start).toISOString().slice(0, 10), start };
}

const iso = (ms: number) => new Date(ms).toISOString();
const sec = (ms: number) => Math.floor(ms / 1000);

let counter = 0;
const unique = () => `${Date.now().toString(36)}${++counter}`;

async function insertUser(createdAt: number, email = `user-${unique()}@example.com`): Promise<number> {
  const row = await testEnv.DB.prepare(
    `INSERT INTO users (email, password_hash, password_salt, password_iterations, created_at)
     VALUES (?1, 'x', 'x', 1, ?2) RETURNING id`,
  )
    .bind(email, iso(createdAt))
    .first<{ id: number }>();
  if (!row) throw new Error('user insert returned nothing');
  return row.id;
}

async function insertProfile(
  ownerId: number,
  plan: string,
  subscription?: { interval: 'month' | 'year'; status: string; cancelling?: boolean },
): Promise<number> {
  const row = await testEnv.DB.prepare(
    `INSERT INTO billing_profiles (owner_user_id, plan_code, plan_interval, subscription_status, cancel_at_period_end)
     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id`,
  )
    .bind(
      ownerId,
      plan,
      subscription?.interval ?? null,
      subscription?.status ?? null,
      subscription?.cancelling ? 1 : 0,
    )
    .first<{ id: number }>();
  if (!row) throw new Error('profile insert returned nothing');
  return row.id;
}

async function insertSite(
  createdAt: number,
  profileId: number | null = null,
): Promise<{ id: number; domain: string }> {
  const domain = `staff-${unique()}.example`;
  const row = await testEnv.DB.prepare(
    'INSERT INTO sites (domain, public_key, billing_profile_id, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id',
  )
    .bind(domain, `key-${unique()}`, profileId, iso(createdAt))
    .first<{ id: number }>();
  if (!row) throw new Error('site insert returned nothing');
  return { id: row.id, domain };
}

/** `n` events at `atMs`, written straight into ClickHouse (the metering tests' helper, in ms). */
function insertEvents(siteId: number, atMs: number, n: number, kind: EventKind = 'pageview') {
  return insertSiteEvents(siteId, sec(atMs), n, kind);
}

async function insertUsage(profileId: number, nowMs: number, state: string, events: number, limit: number) {
  await testEnv.DB.prepare(
    `INSERT INTO usage_periods (billing_profile_id, period_start, period_end, events, limit_events, state,
                                grace_ends_at, metered_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?2, ?2)`,
  )
    .bind(
      profileId,
      sec(nowMs - 10 * DAY_MS),
      sec(nowMs + 20 * DAY_MS),
      events,
      limit,
      state,
      state === 'grace' ? sec(nowMs + 3 * DAY_MS) : null,
    )
    .run();
}

function context(env: Env, now: number): JobContext {
  const period = staffDaily.period(now);
  if (period === null) throw new Error(`staff_daily is not due at ${iso(now)}`);
  return { env, now, cron: '*/15 * * * *', period, signal: new AbortController().signal, transport: fetch };
}

async function staffMails(): Promise<{ subject: string; text: string; html: string }[]> {
  const { results } = await testEnv.DB.prepare(
    "SELECT subject, text, html FROM email_outbox WHERE to_address = ?1 AND kind = 'staff_daily' AND error IS NULL ORDER BY id",
  )
    .bind(STAFF)
    .all<{ subject: string; text: string; html: string }>();
  return results;
}

async function clearMails() {
  await testEnv.DB.prepare("DELETE FROM email_outbox WHERE kind = 'staff_daily'").run();
}

describe("the operator's daily email", () => {
  it('counts one UTC day from D1 and ClickHouse: sign-ups, sites, events, dead letters, jobs, quota, MRR, failed payments', async () => {
    await clearMails();
    const { day, start } = freshDay();
    const now = start + DAY_MS + 7 * 3_600_000; // 07:00 the next morning
    const before = start - DAY_MS;

    // Sign-ups: three that day (first and last millisecond included), one the day before, one after.
    const owner = await insertUser(start);
    await insertUser(start + 12 * 3_600_000);
    await insertUser(start + DAY_MS - 1);
    await insertUser(before + 5_000);
    await insertUser(start + DAY_MS);

    // Sites: two added that day; events on three sites.
    const profile = await insertProfile(owner, 'growth', { interval: 'month', status: 'active' });
    const busy = await insertSite(start + 1_000, profile);
    const quiet = await insertSite(start + 2_000, profile);
    const lastWeek = await insertSite(before - 6 * DAY_MS);
    await insertEvents(busy.id, start, 5); // the day's first second
    await insertEvents(busy.id, start + 3_600_000, 2, 'custom');
    await insertEvents(busy.id, start + 3_600_000, 3, 'engagement');
    await insertEvents(quiet.id, start + DAY_MS - 1_000, 4); // its last second
    await insertEvents(lastWeek.id, before + 60_000, 2); // the day before
    await insertEvents(lastWeek.id, start + DAY_MS, 6); // the day after: not counted

    // Dead letters: two batches that day, one older one still waiting.
    for (const [id, events, at] of [
      ['a', 10, start + 100_000],
      ['b', 5, start + DAY_MS - 1_000],
      ['c', 3, before],
    ] as const) {
      await testEnv.DB.prepare(
        'INSERT INTO dead_letters (batch_id, body, events, received_at) VALUES (?1, ?2, ?3, ?4)',
      )
        .bind(`${day}-${id}`, '{}', events, sec(at))
        .run();
    }

    // Jobs: seal_days failed twice that day, metering the day before (not that day), salts is late now.
    const run = (job: string, period: string, at: number, status: string, error: string | null) =>
      testEnv.DB.prepare(
        'INSERT INTO job_runs (job, period, started_at, finished_at, status, error) VALUES (?1, ?2, ?3, ?3, ?4, ?5)',
      )
        .bind(job, period, at, status, error)
        .run();
    await run('seal_days', `${day}T01:00Z`, start + 3_600_000, 'error', 'first failure');
    await run('seal_days', `${day}T02:00Z`, start + 7_200_000, 'error', 'ClickHouse timed out');
    await run('seal_days', `${day}T03:00Z`, start + 10_800_000, 'ok', null);
    await run('metering', `${day}T00:00Z-1`, before + 1_000, 'error', 'yesterday');
    await testEnv.DB.prepare(
      "INSERT INTO job_state (job, first_seen_at, last_success_at, last_error, alert, alerted_at) VALUES ('salts', ?1, ?1, NULL, 'late', ?2)",
    )
      .bind(before, now - 60_000)
      .run();

    // Billing: MRR = growth monthly ($9) + business yearly ($490 / 12); trialing and past_due not in it.
    const yearly = await insertProfile(await insertUser(before - DAY_MS), 'business', {
      interval: 'year',
      status: 'active',
      cancelling: true,
    });
    const pastDueOwner = `late-${unique()}@example.com`;
    const pastDue = await insertProfile(await insertUser(before - DAY_MS, pastDueOwner), 'growth', {
      interval: 'month',
      status: 'past_due',
    });
    await insertProfile(await insertUser(before - DAY_MS), 'business', {
      interval: 'month',
      status: 'trialing',
    });
    const overOwner = `over-${unique()}@example.com`;
    const over = await insertProfile(await insertUser(before - DAY_MS, overOwner), 'free');
    await insertSite(before - DAY_MS, over);
    await insertUsage(over, now, 'over', 12_345, 10_000);
    await insertUsage(yearly, now, 'grace', 1_000_001, 1_000_000);
    await insertUsage(pastDue, now, 'warning', 85_000, 100_000);
    // An ended period that was over: not over quota now.
    await testEnv.DB.prepare(
      `INSERT INTO usage_periods (billing_profile_id, period_start, period_end, events, limit_events, state, metered_at, updated_at)
       VALUES (?1, ?2, ?3, 20000, 10000, 'over', 0, 0)`,
    )
      .bind(profile, sec(now - 40 * DAY_MS), sec(now - 10 * DAY_MS))
      .run();

    // Stripe: two failed payments that day (one per event), one the day before, and a paid invoice.
    for (const [id, type, at] of [
      ['evt_f1', 'invoice.payment_failed', start + 1_000],
      ['evt_f2', 'invoice.payment_failed', start + DAY_MS - 1_000],
      ['evt_f0', 'invoice.payment_failed', before],
      ['evt_p1', 'invoice.paid', start + 5_000],
    ] as const) {
      await testEnv.DB.prepare('INSERT INTO stripe_events (id, type, received_at) VALUES (?1, ?2, ?3)')
        .bind(`${id}_${day}`, type, sec(at))
        .run();
    }

    const read = readExecutor(testEnv, { limits: configOf(testEnv).clickhouseRead });
    const figures = await staffFigures(testEnv.DB, read, day, now);
    expect(figures).toMatchObject({
      day,
      signups: { day: 3, previous: 1 },
      newSites: { day: 2, previous: 0 },
      activeSites: { day: 2, previous: 1 },
      events: { day: 14, previous: 2 },
      meteredEvents: 11,
      busiestSites: [
        { siteId: busy.id, domain: busy.domain, events: 10 },
        { siteId: quiet.id, domain: quiet.domain, events: 4 },
      ],
      deadLetters: { batches: 2, events: 15, waitingBatches: 3, waitingEvents: 18 },
      jobs: [
        { job: 'salts', failedRuns: 0, alert: 'late' },
        { job: 'seal_days', failedRuns: 2, alert: null, lastError: 'ClickHouse timed out' },
      ],
      overQuota: [
        {
          profileId: over,
          email: overOwner,
          plan: 'Free',
          state: 'over',
          events: 12_345,
          limit: 10_000,
          sites: 1,
        },
        { profileId: yearly, plan: 'Business', state: 'grace', graceEndsAt: sec(now + 3 * DAY_MS), sites: 0 },
      ],
      nearQuota: 1,
      revenue: {
        mrrCents: 900 + Math.round(49_000 / 12),
        subscriptions: { active: 2, past_due: 1, trialing: 1 },
        cancelling: 1,
      },
      paymentsFailed: 2,
      pastDue: [{ profileId: pastDue, email: pastDueOwner, plan: 'Growth' }],
    });

    // The job mails those figures to STAFF_EMAIL.
    const result = await staffDaily.run(context(staffEnv, now));
    expect(result).toEqual({ items: 1, detail: `sent the email for ${day}` });
    const [mail, ...more] = await staffMails();
    expect(more).toEqual([]);
    expect(mail?.subject).toBe(
      `Edgebear ${day}: 3 sign-ups, 2 active sites, 14 events · 4 things to look at`,
    );
    const text = mail?.text ?? '';
    for (const line of [
      'Needs a look: 2 jobs failed or late; 2 batches dead-lettered; 2 profiles over quota; 2 payments failed.',
      'Sign-ups: 3 (+200 % vs previous day)',
      'Active sites: 2 (+100 % vs previous day; 2 sites added)',
      'Events ingested: 14 (+600 % vs previous day; 11 metered)',
      'MRR: $49.83 (2 active, 1 past due, 1 trialing; 1 cancelling)',
      'Payments failed: 2 (1 customer past due now)',
      'Dead letters: 2 (15 events parked; 3 batches waiting for replay)',
      'ClickHouse timed out',
      overOwner,
      `${overOwner} (Free, 1 site)`,
      '123 %',
      'refusing',
      'seal_days: ClickHouse timed out',
      '1 more profile at 80 % of the limit or above (warned).',
      pastDueOwner,
      busy.domain,
    ]) {
      expect(text).toContain(line);
    }
    expect(mail?.html).toContain(`/sites/${busy.id}`);
  });

  it('sends one email per day: a second run, or an overlapping one, sends nothing', async () => {
    await clearMails();
    const { day, start } = freshDay();
    const morning = start + 7 * 3_600_000;
    const [first, overlapping] = await Promise.all([
      staffDaily.run(context(staffEnv, morning)),
      staffDaily.run(context(staffEnv, morning)),
    ]);
    expect([first.items, overlapping.items].sort()).toEqual([0, 1]);
    const later = await staffDaily.run(context(staffEnv, morning + 9 * 3_600_000));
    expect(later).toEqual({ items: 0, detail: expect.stringContaining('sent before') });
    const mails = await staffMails();
    expect(mails.map((m) => m.subject.slice(0, 19))).toEqual([
      `Edgebear ${new Date(start - DAY_MS).toISOString().slice(0, 10)}`,
    ]);
    // The next day has its own email.
    await staffDaily.run(context(staffEnv, morning + DAY_MS));
    expect(await staffMails()).toHaveLength(2);
    expect(day).toBe(staffDaily.period(morning));
  });

  it('runs from the 15-minute trigger: not at 06:45 UTC, once at 07:00, skipped at 07:15', async () => {
    await clearMails();
    const { day, start } = freshDay();
    const cron = (at: number) =>
      runScheduled(createScheduledController({ cron: '*/15 * * * *', scheduledTime: at }), staffEnv);
    const outcome = async (at: number) => (await cron(at)).find((o) => o.job === 'staff_daily');

    expect(await outcome(start + 6.75 * 3_600_000)).toMatchObject({ status: 'not_due', period: null });
    expect(await staffMails()).toEqual([]);
    expect(await outcome(start + 7 * 3_600_000)).toMatchObject({ status: 'ok', period: day, items: 1 });
    expect(await outcome(start + 7.25 * 3_600_000)).toMatchObject({ status: 'skipped', period: day });
    expect(await staffMails()).toHaveLength(1);
    const run = await testEnv.DB.prepare(
      "SELECT status, detail FROM job_runs WHERE job = 'staff_daily' AND period = ?1",
    )
      .bind(day)
      .first<{ status: string; detail: string }>();
    expect(run).toEqual({ status: 'ok', detail: expect.stringContaining('sent the email for') });
  });

  it('is not due before 07:00 UTC, and is due from 07:00 to midnight', () => {
    const { day, start } = freshDay();
    expect(staffDaily.period(start)).toBeNull();
    expect(staffDaily.period(start + 7 * 3_600_000 - 1)).toBeNull();
    expect(staffDaily.period(start + 7 * 3_600_000)).toBe(day);
    expect(staffDaily.period(start + DAY_MS - 1)).toBe(day);
  });

  it('does nothing without STAFF_EMAIL, and says so', async () => {
    await clearMails();
    const { start } = freshDay();
    const morning = start + 8 * 3_600_000;
    const result = await staffDaily.run(context({ ...testEnv, STAFF_EMAIL: '' }, morning));
    expect(result).toEqual({ items: 0, detail: 'STAFF_EMAIL is not set: nothing sent' });
    // Nothing was claimed: set the var later that day and the email goes out.
    expect((await staffDaily.run(context(staffEnv, morning + 3_600_000))).items).toBe(1);
    expect(await staffMails()).toHaveLength(1);
  });

  it('gives the day back when the send fails, so the next run sends it', async () => {
    await clearMails();
    const { start } = freshDay();
    const morning = start + 7 * 3_600_000;
    const broken: Env = {
      ...staffEnv,
      MAIL_API_TOKEN: 'test-token',
      // A server that answers, but not as a mail provider: the send fails with its 404.
      MAIL_PROVIDER_URL: `http://${testEnv.STRIPE_API_HOST}:${testEnv.STRIPE_API_PORT}/not-a-mail-api`,
    };
    await expect(staffDaily.run(context(broken, morning))).rejects.toThrow();
    expect((await staffDaily.run(context(staffEnv, morning + 15 * 60_000))).items).toBe(1);
    expect(await staffMails()).toHaveLength(1);
  });
});
