/**
 * When reports go out (issue 12, item 3): at 07:00 in each site's time zone, through the real
 * 15-minute trigger and dispatcher, once per recipient and period however many runs see it due,
 * and never before 07:00 or from 13:00 on. The zones cross daylight-saving changes, so an offset
 * taken from the wrong side of the change would send an hour early.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { event, insertEvents, newSite } from '../stats/fixtures';
import { addRecipient, cronAt, recipientAddress, reportMails } from './helpers';

let owner: TestAccount;

beforeAll(async () => {
  owner = await signUp();
});

async function reportsOutcome(iso: string): Promise<string | undefined> {
  const outcomes = await cronAt(iso);
  return outcomes.find((o) => o.job === 'reports')?.status;
}

describe('reports at 07:00 local time', () => {
  it('Europe/Berlin the day after the October change: none at 06:45, daily and weekly at 07:00, once', async () => {
    // Sun 2026-10-25 has 25 hours in Berlin (CEST until 03:00, then CET); Monday the 26th is UTC+1.
    const site: SiteJson = await newSite(owner, 'Europe/Berlin');
    const reader = recipientAddress('berlin');
    await addRecipient(owner, site.id, { email: reader, daily: true, weekly: true });
    await insertEvents([
      // 00:30 CEST on the 25th, 23:30 CET on the 25th: both in the day; 00:30 CET on the 26th is not.
      event(site.id, '2026-10-24T22:30:00Z', { visitor: 1, session: 1, pathname: '/early' }),
      event(site.id, '2026-10-25T22:30:00Z', { visitor: 2, session: 2, pathname: '/late' }),
      event(site.id, '2026-10-25T23:30:00Z', { visitor: 3, session: 3, pathname: '/next-day' }),
    ]);

    // 05:45Z is 06:45 CET (it would be 07:45 with the summer offset of the day before).
    expect(await reportsOutcome('2026-10-26T05:45:00Z')).toBe('ok');
    expect(await reportMails(reader)).toHaveLength(0);

    expect(await reportsOutcome('2026-10-26T06:00:00Z')).toBe('ok');
    const mails = await reportMails(reader);
    expect(mails.map((m) => m.subject).sort()).toEqual([
      `${site.domain}: daily report, Sun, 25 Oct 2026`,
      `${site.domain}: weekly report, 19 Oct – Sun, 25 Oct 2026`,
    ]);
    const daily = mails.find((m) => m.subject.includes('daily'));
    expect(daily?.text).toContain(`/sites/${site.id}?period=custom&from=2026-10-25&to=2026-10-25`);
    expect(daily?.text).toContain('/api/reports/unsubscribe?token=');
    expect(daily?.html).toContain('Unsubscribe');
    expect(daily?.text).toContain('/early');
    expect(daily?.text).toContain('/late');
    expect(daily?.text).not.toContain('/next-day');

    // Later runs of the same morning (and the same trigger twice) find the reports sent.
    expect(await reportsOutcome('2026-10-26T06:15:00Z')).toBe('ok');
    expect(await reportsOutcome('2026-10-26T06:15:00Z')).toBe('skipped');
    expect(await reportsOutcome('2026-10-26T09:30:00Z')).toBe('ok');
    expect(await reportMails(reader)).toHaveLength(2);
  });

  it('America/New_York the day after the November change: none at 06:00 or 06:45, one daily at 07:00', async () => {
    // Sun 2026-11-01 has 25 hours in New York (EDT until 02:00, then EST); Monday the 2nd is UTC-5.
    const site = await newSite(owner, 'America/New_York');
    const reader = recipientAddress('newyork');
    await addRecipient(owner, site.id, { email: reader, daily: true });

    // 11:00Z is 06:00 EST (07:00 with the summer offset); 11:45Z is 06:45.
    expect(await reportsOutcome('2026-11-02T11:00:00Z')).toBe('ok');
    expect(await reportsOutcome('2026-11-02T11:45:00Z')).toBe('ok');
    expect(await reportMails(reader)).toHaveLength(0);

    expect(await reportsOutcome('2026-11-02T12:00:00Z')).toBe('ok');
    expect(await reportsOutcome('2026-11-02T12:15:00Z')).toBe('ok');
    const mails = await reportMails(reader);
    expect(mails.map((m) => m.subject)).toEqual([`${site.domain}: daily report, Sun, 1 Nov 2026`]);
  });

  it('a missed 07:00 is caught up until 12:59, never from 13:00 on (Asia/Kolkata, UTC+05:30)', async () => {
    const site = await newSite(owner, 'Asia/Kolkata');
    const late = recipientAddress('kolkata-late');
    await addRecipient(owner, site.id, { email: late, daily: true });
    // 07:30Z is 13:00 in Kolkata: the morning is over, yesterday's report is not sent any more.
    expect(await reportsOutcome('2026-12-09T07:30:00Z')).toBe('ok');
    expect(await reportMails(late)).toHaveLength(0);

    const caughtUp = recipientAddress('kolkata-catch-up');
    await addRecipient(owner, site.id, { email: caughtUp, daily: true });
    // 07:15Z on the next day is 12:45: the last run of the window still sends.
    expect(await reportsOutcome('2026-12-10T07:15:00Z')).toBe('ok');
    expect((await reportMails(caughtUp)).map((m) => m.subject)).toEqual([
      `${site.domain}: daily report, Wed, 9 Dec 2026`,
    ]);
    expect(await reportMails(late)).toHaveLength(1);
  });

  it('sends the monthly report on the 1st and nothing for a frequency that is off', async () => {
    const site = await newSite(owner, 'UTC');
    const monthly = recipientAddress('monthly');
    const off = recipientAddress('off');
    await addRecipient(owner, site.id, { email: monthly, monthly: true });
    await addRecipient(owner, site.id, { email: off });
    expect(await reportsOutcome('2026-12-01T07:00:00Z')).toBe('ok');
    expect((await reportMails(monthly)).map((m) => m.subject)).toEqual([
      `${site.domain}: monthly report, November 2026`,
    ]);
    expect(await reportMails(off)).toHaveLength(0);
  });
});
