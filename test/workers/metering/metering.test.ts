/**
 * The metering cron (issue 11, items 4 and 5): counts from ClickHouse into D1, the soft-limit
 * states and the quota mails. Real D1, real ClickHouse, the real outbox; time is the cron's
 * scheduled time, passed in.
 */
import { createScheduledController } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { meterUsage } from '../../../workers/billing/metering';
import { currentUsage, recomputeState } from '../../../workers/billing/usage';
import { runScheduled } from '../../../workers/cron/scheduled';
import type { Env } from '../../../workers/env';
import { testEnv } from '../helpers/stack';
import { createProfile, createProfileSite, DAY, insertSiteEvents, mailsTo, storedPeriods } from './helpers';

const ms = (seconds: number) => seconds * 1000;

describe('metering counts a billing period from ClickHouse', () => {
  it("counts pageviews and custom events of all the profile's sites, soft-deleted ones too, within [start, end) only", async () => {
    // A Stripe-like period that starts and ends within an hour.
    const start = Date.UTC(2031, 4, 10, 12, 34, 56) / 1000;
    const end = start + 30 * DAY;
    const profile = await createProfile({ period: { start, end } });
    const live = await createProfileSite(profile.id);
    const deleted = await createProfileSite(profile.id, { deleted: true });
    const other = await createProfileSite((await createProfile({ period: { start, end } })).id);

    await insertSiteEvents(live.id, start + 10, 5); // the partial first hour
    await insertSiteEvents(live.id, start + 2 * DAY, 3, 'custom');
    await insertSiteEvents(live.id, start + 2 * DAY, 4, 'engagement'); // not metered
    await insertSiteEvents(live.id, start + 2 * DAY, 2, 'performance'); // not metered
    await insertSiteEvents(live.id, start - 5, 2); // same hour as the start, but before it
    await insertSiteEvents(live.id, end - 1, 3); // the last second of the period
    await insertSiteEvents(live.id, end, 4); // the next period
    await insertSiteEvents(deleted.id, start + 5 * DAY, 6);
    await insertSiteEvents(other.id, start + DAY, 7); // another profile's site

    const result = await meterUsage(testEnv, ms(start + 3 * DAY));
    expect(result.profiles).toBeGreaterThanOrEqual(2);
    const [row] = await storedPeriods(profile.id);
    expect(row).toMatchObject({ period_start: start, period_end: end, events: 17, state: 'ok' });

    // Re-running replaces the count with the same count; it does not add.
    await meterUsage(testEnv, ms(start + 3 * DAY));
    expect((await storedPeriods(profile.id)).map((r) => r.events)).toEqual([17]);
  });

  it('runs from the 15-minute cron, records its run, and catches up after missed runs by counting again', async () => {
    const start = Date.UTC(2031, 6, 1, 0, 0, 0) / 1000;
    const profile = await createProfile({ period: { start, end: start + 30 * DAY } });
    const site = await createProfileSite(profile.id);
    await insertSiteEvents(site.id, start + DAY, 4);
    const cron = (at: number) =>
      runScheduled(createScheduledController({ cron: '*/15 * * * *', scheduledTime: ms(at) }), testEnv);

    await cron(start + DAY + 3600);
    expect((await storedPeriods(profile.id))[0]?.events).toBe(4);
    // Events keep coming while several runs are missed; the next run counts the whole period.
    await insertSiteEvents(site.id, start + 2 * DAY, 5);
    await insertSiteEvents(site.id, start + 3 * DAY, 6);
    await cron(start + 4 * DAY);
    expect((await storedPeriods(profile.id))[0]?.events).toBe(15);

    const run = await testEnv.DB.prepare(
      "SELECT status AS last_status, detail FROM job_runs WHERE job = 'metering' ORDER BY started_at DESC LIMIT 1",
    ).first<{
      last_status: string;
      detail: string;
    }>();
    expect(run?.last_status).toBe('ok');
    expect(run?.detail).toMatch(/profiles/);
  });

  it('starts over in a new period and keeps the last one', async () => {
    // Free plan: calendar months in UTC.
    const profile = await createProfile({ limit: 10 });
    const site = await createProfileSite(profile.id);
    const may = Date.UTC(2031, 4, 1) / 1000;
    const june = Date.UTC(2031, 5, 1) / 1000;
    await insertSiteEvents(site.id, may + 3 * DAY, 12);
    await insertSiteEvents(site.id, june + DAY, 2);

    await meterUsage(testEnv, ms(may + 20 * DAY));
    await meterUsage(testEnv, ms(june + 2 * DAY));
    const rows = await storedPeriods(profile.id);
    expect(rows.map((r) => [r.period_start, r.period_end, r.events, r.state])).toEqual([
      [may, june, 12, 'grace'],
      [june, Date.UTC(2031, 6, 1) / 1000, 2, 'ok'],
    ]);
    expect((await currentUsage(testEnv.DB, profile.id, ms(june + 2 * DAY)))?.state).toBe('ok');
  });
});

describe('soft limits: ok → warning → grace → over, with a mail at 80 % and at 100 %', () => {
  it('sends the warning and the depleted mail once each, however often (and concurrently) the job runs', async () => {
    const start = Date.UTC(2031, 8, 1, 9, 0, 0) / 1000;
    const profile = await createProfile({ limit: 10, period: { start, end: start + 30 * DAY } });
    const site = await createProfileSite(profile.id);

    await insertSiteEvents(site.id, start + 3600, 8);
    const t1 = start + 2 * 3600;
    await meterUsage(testEnv, ms(t1));
    await meterUsage(testEnv, ms(t1 + 900));
    expect((await storedPeriods(profile.id))[0]).toMatchObject({
      events: 8,
      state: 'warning',
      grace_ends_at: null,
    });
    const warnings = await mailsTo(profile.email, 'quota_warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.subject).toContain('80 %');
    expect(warnings[0]?.text).toContain('8 of the 10 events');
    expect(await mailsTo(profile.email, 'quota_depleted')).toHaveLength(0);

    await insertSiteEvents(site.id, start + 3 * 3600, 3);
    const t2 = start + 4 * 3600;
    await Promise.all([
      meterUsage(testEnv, ms(t2)),
      meterUsage(testEnv, ms(t2)),
      meterUsage(testEnv, ms(t2)),
    ]);
    await meterUsage(testEnv, ms(t2 + 900));
    expect((await storedPeriods(profile.id))[0]).toMatchObject({
      events: 11,
      state: 'grace',
      grace_ends_at: t2 + 7 * DAY,
    });
    const depleted = await mailsTo(profile.email, 'quota_depleted');
    expect(depleted).toHaveLength(1);
    expect(depleted[0]?.text).toContain('http://127.0.0.1:8787/billing');
    expect(depleted[0]?.text).toContain(new Date(ms(t2 + 7 * DAY)).toISOString().slice(0, 10));

    // Grace lasts QUOTA_GRACE_DAYS (7) from the run that found the limit reached.
    await meterUsage(testEnv, ms(t2 + 7 * DAY - 1));
    expect((await storedPeriods(profile.id))[0]?.state).toBe('grace');
    await meterUsage(testEnv, ms(t2 + 7 * DAY));
    await meterUsage(testEnv, ms(t2 + 8 * DAY));
    expect((await storedPeriods(profile.id))[0]?.state).toBe('over');
    expect(await mailsTo(profile.email, 'quota_warning')).toHaveLength(1);
    expect(await mailsTo(profile.email, 'quota_depleted')).toHaveLength(1);
  });

  it('sends only the depleted mail when one run finds the limit already reached', async () => {
    const start = Date.UTC(2031, 9, 1) / 1000;
    const profile = await createProfile({ limit: 10, period: { start, end: start + 30 * DAY } });
    const site = await createProfileSite(profile.id);
    await insertSiteEvents(site.id, start + 60, 12);
    await meterUsage(testEnv, ms(start + DAY));
    await meterUsage(testEnv, ms(start + DAY + 900));
    expect(await mailsTo(profile.email, 'quota_depleted')).toHaveLength(1);
    expect(await mailsTo(profile.email, 'quota_warning')).toHaveLength(0);
    expect((await storedPeriods(profile.id))[0]?.warned_at).toBe(start + DAY);
  });

  it('gives a mail that could not be sent back, and the next run sends it', async () => {
    const start = Date.UTC(2031, 10, 1) / 1000;
    const profile = await createProfile({ limit: 10, period: { start, end: start + 30 * DAY } });
    const site = await createProfileSite(profile.id);
    await insertSiteEvents(site.id, start + 60, 9);
    // Production without MAIL_API_TOKEN: the mailer refuses to send.
    const noMail = { ...testEnv, ENVIRONMENT: 'production', IP_KEY_SECRET: 'x' } as Env;
    const failed = await meterUsage(noMail, ms(start + DAY));
    expect(failed.mailFailures).toBeGreaterThanOrEqual(1);
    expect((await storedPeriods(profile.id))[0]).toMatchObject({ state: 'warning', warned_at: null });

    await meterUsage(testEnv, ms(start + DAY + 900));
    expect(await mailsTo(profile.email, 'quota_warning')).toHaveLength(1);
  });

  it('a plan change decides the state again at once: an upgrade that covers the usage is ok', async () => {
    const start = Date.UTC(2032, 0, 5) / 1000;
    const profile = await createProfile({ limit: 10, period: { start, end: start + 30 * DAY } });
    const site = await createProfileSite(profile.id);
    await insertSiteEvents(site.id, start + 60, 12);
    await meterUsage(testEnv, ms(start + DAY));
    await meterUsage(testEnv, ms(start + 9 * DAY));
    expect((await storedPeriods(profile.id))[0]?.state).toBe('over');

    // A raise that still does not cover the usage: a fresh grace period from the change.
    await testEnv.DB.prepare('UPDATE billing_profiles SET custom_monthly_events = 11 WHERE id = ?1')
      .bind(profile.id)
      .run();
    const still = await recomputeState(testEnv.DB, profile.id, ms(start + 9 * DAY));
    expect(still).toMatchObject({ state: 'grace', limit: 11, grace_ends_at: start + 16 * DAY });

    await testEnv.DB.prepare(
      "UPDATE billing_profiles SET plan_code = 'growth', custom_monthly_events = NULL WHERE id = ?1",
    )
      .bind(profile.id)
      .run();
    const usage = await recomputeState(testEnv.DB, profile.id, ms(start + 9 * DAY));
    expect(usage).toEqual({
      events: 12,
      limit: 100_000,
      percent: 0,
      state: 'ok',
      grace_ends_at: null,
      over_events: 0,
      period_start: start,
      period_end: start + 30 * DAY,
    });
    // Under the new limit the old mails are forgotten: nearing 80 % of it mails again.
    expect((await storedPeriods(profile.id))[0]).toMatchObject({
      state: 'ok',
      limit_events: 100_000,
      warned_at: null,
      depleted_at: null,
      grace_ends_at: null,
    });
    expect(await currentUsage(testEnv.DB, profile.id, ms(start + 9 * DAY))).toEqual(usage);
  });
});
