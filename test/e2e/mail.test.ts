/**
 * The scheduled mails in the development mailbox of a real stack (`wrangler dev`, the test
 * ClickHouse, test/setup/stack.global.ts): a site owner sets up a daily report and a traffic-spike
 * alert through the API, events are written straight into ClickHouse, and the 15-minute cron is
 * run at chosen times. /dev/mail then lists the report, the alert, the operator's daily email and,
 * once the operator's job has gone two days without running, a job alert: each once.
 *
 * The cron runs on a random day in the past: periods, ledger keys and job runs of that day are
 * this test's alone, and nothing it does moves the clock of the other tests (today's salts stay).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listOutbox, type OutboxEntry, outboxHtml } from '../../scripts/lib/outbox-messages';
import { EVERY_15_MINUTES, runCron } from '../../scripts/lib/scheduled';
import { StackOwner } from '../../scripts/lib/stack-owner';
import type { EventRecord } from '../../workers/events/record';
import { blankEvent } from '../fixtures/event-record';
import { E2E } from '../setup/ports';
import { clickhouse, workerUrl } from './helpers';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const STAFF = E2E.vars.STAFF_EMAIL;

/** 07:00 UTC of a random day of 2024–2025: the site's (UTC) report hour and the operator's. */
function morning(): number {
  return Date.UTC(2024, 0, 1, 7) + Math.floor(Math.random() * 700) * DAY_MS;
}

function pageviews(siteId: number, domain: string, times: number[], firstVisitor: number): EventRecord[] {
  return times.map((at, i) => ({
    ...blankEvent(),
    site_id: siteId,
    timestamp: Math.floor(at / 1000),
    hostname: domain,
    pathname: i % 2 ? '/pricing' : '/',
    visitor_id: String(firstVisitor + i),
    session_id: String(firstVisitor + i),
  }));
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

describe('scheduled mail in the development mailbox', () => {
  it('lists a report, a spike alert, the operator email and a job alert after the cron runs, each once', async () => {
    const url = workerUrl();
    const tag = randomBytes(4).toString('hex');
    const domain = `mail-${tag}.test`;
    const owner = await StackOwner.signUp(url, `mail-owner-${tag}@example.com`);
    const created = await owner.expect('POST', '/api/sites', { domain, timezone: 'UTC' }, 201);
    const siteId = (created.site as { id: number }).id;
    await owner.expect('POST', `/api/sites/${siteId}/reports`, { email: owner.email, daily: true }, 201);
    await owner.expect(
      'PATCH',
      `/api/sites/${siteId}/alerts`,
      { spike: { enabled: true, threshold: 2 }, recipients: [owner.email] },
      200,
    );

    const at = morning();
    const yesterday = at - 7 * 3_600_000 - DAY_MS;
    // Yesterday: four visitors through the day. Now: three visitors in the last few minutes.
    const events = [
      ...pageviews(
        siteId,
        domain,
        [2, 9, 14, 20].map((h) => yesterday + h * 3_600_000),
        1,
      ),
      ...pageviews(
        siteId,
        domain,
        [4, 3, 2].map((m) => at - m * MINUTE_MS),
        100,
      ),
    ];
    await clickhouse.insert({
      table: 'events',
      values: events,
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0 },
    });
    const before = new Set((await listOutbox(url)).map((m) => m.id));
    const newMail = async (): Promise<OutboxEntry[]> =>
      (await listOutbox(url)).filter((m) => !before.has(m.id));

    await runCron(url, EVERY_15_MINUTES, at);
    // A quarter of an hour later everything has been sent: nothing comes twice.
    await runCron(url, EVERY_15_MINUTES, at + 15 * MINUTE_MS);

    const mail = await newMail();
    const to = (address: string) => mail.filter((m) => m.to === address);
    expect(to(owner.email).map((m) => m.kind)).toEqual(['report', 'alert_spike']);
    const [report, spike] = to(owner.email);
    expect(report?.subject).toBe(`${domain}: daily report, ${formatDay(yesterday)}`);
    expect(await outboxHtml(url, report?.id ?? 0)).toContain(`/sites/${siteId}?period=custom`);
    expect(spike?.subject).toBe(`Traffic spike on ${domain}: 3 current visitors`);
    expect(await outboxHtml(url, spike?.id ?? 0)).toContain(`/sites/${siteId}?period=day`);

    const staffDaily = to(STAFF).filter((m) => m.kind === 'staff_daily');
    expect(staffDaily.map((m) => m.subject.slice(0, 20))).toEqual([`Edgebear ${isoDate(yesterday)}:`]);
    const staffHtml = await outboxHtml(url, staffDaily[0]?.id ?? 0);
    expect(staffHtml).toContain('Active sites');
    expect(staffHtml).toContain(domain);

    // Three days on (no trigger ran in between), at 06:45: the operator's email has not run for
    // over twice its interval. (The monitor may report its own gap as well.)
    await runCron(url, EVERY_15_MINUTES, at + 3 * DAY_MS - 15 * MINUTE_MS);
    const alerts = (await newMail()).filter((m) => m.to === STAFF && m.kind === 'job_alert');
    const late = alerts.filter((m) => m.subject === '[Edgebear] Job staff_daily is late');
    expect(late).toHaveLength(1);
    expect(await outboxHtml(url, late[0]?.id ?? 0)).toContain('staff_daily');
    // Once: the next trigger, still before 07:00, does not repeat it.
    await runCron(url, EVERY_15_MINUTES, at + 3 * DAY_MS - 5 * MINUTE_MS);
    const again = (await newMail()).filter((m) => m.to === STAFF && m.kind === 'job_alert');
    expect(again.map((m) => m.id)).toEqual(alerts.map((m) => m.id));
  });
});

/** "Sun, 29 Nov 2026", as the report subjects write a day. */
function formatDay(ms: number): string {
  const d = new Date(ms);
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
    d.getUTCMonth()
  ];
  return `${weekday}, ${d.getUTCDate()} ${month} ${d.getUTCFullYear()}`;
}
