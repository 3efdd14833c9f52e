/**
 * A report's "Top goals" are the site's configured goals once it has any (docs/goals.md), as the
 * dashboard and the Stats API show them: a page goal counts, a custom event that is no goal does
 * not. Both doors that build a report's site are checked: the cron's mail and the preview.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { workerFetch } from '../helpers/stack';
import { call } from '../sites/client';
import { event, insertEvents, newSite } from '../stats/fixtures';
import { addRecipient, cronAt, recipientAddress, reportMails } from './helpers';

let owner: TestAccount;
let site: SiteJson;

/** V1 reads /pricing and signs up; V2 reads / and downloads (Download is no goal). */
function day(siteId: number, date: string, offset: number): EventRecord[] {
  const at = (time: string) => `${date}T${time}Z`;
  const who = (v: number) => ({ visitor: offset + v, session: offset + v });
  return [
    event(siteId, at('10:00:00'), { ...who(1), pathname: '/pricing' }),
    event(siteId, at('10:01:00'), { ...who(1), kind: 'custom', name: 'Signup', pathname: '/pricing' }),
    event(siteId, at('11:00:00'), { ...who(2), pathname: '/' }),
    event(siteId, at('11:01:00'), { ...who(2), kind: 'custom', name: 'Download', pathname: '/' }),
  ];
}

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await insertEvents([...day(site.id, '2027-02-09', 500), ...day(site.id, yesterday, 600)]);
  for (const body of [
    { kind: 'page', page_path: '/pricing' },
    { kind: 'event', event_name: 'Signup' },
  ]) {
    const res = await call('POST', `/api/sites/${site.id}/goals`, { as: owner, body });
    expect(res.status).toBe(201);
  }
});

describe('report goals', () => {
  it('the daily mail lists the configured goals, not every custom event', async () => {
    const reader = recipientAddress('goals');
    await addRecipient(owner, site.id, { email: reader, daily: true });
    await cronAt('2027-02-10T07:00:00Z');
    const [mail] = await reportMails(reader);
    expect(mail?.text).toContain('Visit /pricing');
    expect(mail?.text).toContain('Signup');
    expect(mail?.text).not.toContain('Download');
  });

  it('so does the preview', async () => {
    const res = await workerFetch(`/api/sites/${site.id}/reports/preview?period=day`, {
      headers: { cookie: owner.cookie },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Visit /pricing');
    expect(html).not.toContain('Download');
  });
});
