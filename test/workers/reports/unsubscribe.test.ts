/**
 * The unsubscribe link of every report: signed for one site and address, working without a
 * session. GET only asks (mail scanners open links); the POST unsubscribes. A tampered token,
 * or one signed for another purpose, gets a 400 page and changes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { signLink } from '../../../functions/mail/signed-link';
import { UNSUBSCRIBE_PURPOSE, unsubscribeUrl } from '../../../functions/reports/mail';
import type { RecipientJson } from '../../../functions/reports/store';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { testEnv, workerFetch } from '../helpers/stack';
import { call } from '../sites/client';
import { newSite } from '../stats/fixtures';
import { addRecipient, recipientAddress, reportMails } from './helpers';

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'Europe/Berlin');
});

async function recipients(): Promise<string[]> {
  const res = await call<{ recipients: RecipientJson[] }>('GET', `/api/sites/${site.id}/reports`, {
    as: owner,
  });
  return res.body.recipients.map((r) => r.email);
}

/** The path and query of an absolute link, for the Worker in this isolate. */
const local = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

describe('unsubscribe', () => {
  it('GET shows a confirm button and changes nothing; the POST unsubscribes, twice is fine', async () => {
    const email = recipientAddress('leaver');
    await addRecipient(owner, site.id, { email, daily: true, weekly: true });
    const link = local(await unsubscribeUrl(testEnv, site.id, email));

    const shown = await workerFetch(link);
    expect(shown.status).toBe(200);
    const page = await shown.text();
    expect(page).toContain(site.domain);
    expect(page).toContain('<form method="post"');
    expect(await recipients()).toContain(email);

    const done = await workerFetch(link, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are unsubscribed');
    expect(await recipients()).not.toContain(email);
    expect((await workerFetch(link, { method: 'POST' })).status).toBe(200);
  });

  it('refuses a tampered token, another address’s payload and another purpose’s signature with 400', async () => {
    const email = recipientAddress('stayer');
    await addRecipient(owner, site.id, { email, daily: true });
    const url = new URL(await unsubscribeUrl(testEnv, site.id, email));
    const token = url.searchParams.get('token') ?? '';
    const [payload, signature] = token.split('.');
    const flipped = `${signature?.slice(0, -2)}${signature?.endsWith('AA') ? 'AB' : 'AA'}`;
    const otherPayload = btoa(JSON.stringify({ s: site.id, e: 'someone@else.example' }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    const otherPurpose = await signLink(testEnv, 'alert-unsubscribe', { s: site.id, e: email });
    expect(UNSUBSCRIBE_PURPOSE).not.toBe('alert-unsubscribe');
    for (const bad of [
      `${payload}.${flipped}`,
      `${otherPayload}.${signature}`,
      otherPurpose,
      token.slice(0, -5),
      '',
    ]) {
      const query = `/api/reports/unsubscribe?token=${encodeURIComponent(bad)}`;
      const get = await workerFetch(query);
      expect(get.status, bad).toBe(400);
      expect(await get.text()).toContain('does not work');
      expect((await workerFetch(query, { method: 'POST' })).status, bad).toBe(400);
    }
    expect(await recipients()).toContain(email);
  });

  it('the link in a sent report works, also as an RFC 8058 one-click POST', async () => {
    await addRecipient(owner, site.id, { email: owner.email, daily: true });
    const sent = await call('POST', `/api/sites/${site.id}/reports/test`, {
      as: owner,
      body: { period: 'day' },
    });
    expect(sent.status).toBe(202);
    const [mail] = await reportMails(owner.email);
    const match = /(https?:\/\/[^\s)]+\/api\/reports\/unsubscribe\?token=[A-Za-z0-9._%-]+)/.exec(
      mail?.text ?? '',
    );
    expect(match?.[1]).toBeDefined();
    const res = await workerFetch(local(match?.[1] ?? ''), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(await recipients()).not.toContain(owner.email);
  });
});
