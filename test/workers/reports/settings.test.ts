/**
 * `/api/sites/:id/reports`: recipients and their frequencies, the preview and the test mail, behind
 * the same doors as the other site settings (session, CSRF on changes, the caller's own site).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecipientJson } from '../../../functions/reports/store';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { workerFetch } from '../helpers/stack';
import { call } from '../sites/client';
import { newSite } from '../stats/fixtures';
import { addRecipient, recipientAddress, reportMails } from './helpers';

let owner: TestAccount;
let stranger: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  stranger = await signUp();
  site = await newSite(owner, 'Europe/Berlin');
});

const path = (suffix = '') => `/api/sites/${site.id}/reports${suffix}`;

function list(as: TestAccount) {
  return call<{ recipients: RecipientJson[]; max_recipients: number }>('GET', path(), { as });
}

describe('report recipients', () => {
  it('adds a recipient, changes its frequencies (keeping the ones left out) and removes it', async () => {
    const email = recipientAddress('settings');
    const added = await call<{ recipient: RecipientJson }>('POST', path(), {
      as: owner,
      body: { email: `  ${email.toUpperCase()} `, daily: true },
    });
    expect(added.status).toBe(201);
    expect(added.body.recipient).toEqual({ email, daily: true, weekly: false, monthly: false });
    const changed = await call<{ recipient: RecipientJson }>('POST', path(), {
      as: owner,
      body: { email, weekly: true },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.recipient).toEqual({ email, daily: true, weekly: true, monthly: false });
    expect((await list(owner)).body).toEqual({
      recipients: [{ email, daily: true, weekly: true, monthly: false }],
      max_recipients: 10,
    });
    const removed = await call('DELETE', path(`?email=${encodeURIComponent(email)}`), { as: owner });
    expect(removed.status).toBe(200);
    expect((await list(owner)).body.recipients).toEqual([]);
    expect((await call('DELETE', path(`?email=${encodeURIComponent(email)}`), { as: owner })).status).toBe(
      404,
    );
  });

  it('refuses bad input: an invalid address, a non-boolean frequency, an unknown field', async () => {
    for (const body of [
      { email: 'not-an-address' },
      { email: 'a@b.example', daily: 'yes' },
      { email: 'a@b.example', hourly: true },
    ]) {
      const res = await call('POST', path(), { as: owner, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('keeps to 10 addresses per site; changing one of them still works', async () => {
    const other = await newSite(owner, 'UTC');
    const emails = Array.from({ length: 10 }, () => recipientAddress('many'));
    for (const email of emails) await addRecipient(owner, other.id, { email, monthly: true });
    const eleventh = await call('POST', `/api/sites/${other.id}/reports`, {
      as: owner,
      body: { email: recipientAddress('eleventh'), daily: true },
    });
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.error?.code).toBe('too_many_recipients');
    await addRecipient(owner, other.id, { email: emails[0] as string, daily: true });
  });

  it('needs a session, the CSRF header on changes, and the caller’s own site', async () => {
    expect((await call('GET', path())).status).toBe(401);
    const noCsrf = await call('POST', path(), { as: owner, csrf: false, body: { email: 'x@y.example' } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error?.code).toBe('csrf');
    expect((await list(stranger)).status).toBe(404);
    const foreign = await call('POST', path(), {
      as: stranger,
      body: { email: stranger.email, daily: true },
    });
    expect(foreign.status).toBe(404);
    expect((await call('DELETE', path('?email=x%40y.example'), { as: stranger })).status).toBe(404);
    expect((await list(owner)).body.recipients.map((r) => r.email)).not.toContain(stranger.email);
  });
});

describe('preview', () => {
  it('answers the owner with the report as HTML, sandboxed', async () => {
    for (const period of ['day', 'week', 'month']) {
      const res = await workerFetch(path(`/preview?period=${period}`), { headers: { cookie: owner.cookie } });
      expect(res.status, period).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await res.text();
      expect(html).toContain(site.domain);
      expect(html).toContain('/api/reports/unsubscribe?token=');
      expect(html).not.toContain('<script');
    }
  });

  it('is a 404 for another account, 401 without a session, 400 for an unknown period', async () => {
    const foreign = await workerFetch(path('/preview?period=day'), { headers: { cookie: stranger.cookie } });
    expect(foreign.status).toBe(404);
    expect((await workerFetch(path('/preview?period=day'))).status).toBe(401);
    const bad = await workerFetch(path('/preview?period=year'), { headers: { cookie: owner.cookie } });
    expect(bad.status).toBe(400);
  });
});

describe('send me a test report', () => {
  it('mails the signed-in user, five times an hour, then 429 with Retry-After', async () => {
    const tester = await signUp();
    const own = await newSite(tester, 'UTC');
    for (let i = 0; i < 5; i++) {
      const res = await call<{ sent: { to: string } }>('POST', `/api/sites/${own.id}/reports/test`, {
        as: tester,
        body: { period: i % 2 === 0 ? 'day' : 'week' },
      });
      expect(res.status, `test report ${i + 1}`).toBe(202);
      expect(res.body.sent.to).toBe(tester.email);
    }
    const mails = await reportMails(tester.email);
    expect(mails).toHaveLength(5);
    expect(mails[0]?.subject).toMatch(
      new RegExp(`^\\[Test\\] ${own.domain.replace(/\./g, '\\.')}: daily report`),
    );
    const limited = await workerFetch(`/api/sites/${own.id}/reports/test`, {
      method: 'POST',
      headers: { cookie: tester.cookie, 'x-csrf-token': tester.csrf, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await reportMails(tester.email)).toHaveLength(5);
  });

  it('is a 404 for another account’s site and needs the CSRF header', async () => {
    expect((await call('POST', path('/test'), { as: stranger, body: {} })).status).toBe(404);
    expect((await call('POST', path('/test'), { as: owner, csrf: false, body: {} })).status).toBe(403);
    expect(await reportMails(stranger.email)).toHaveLength(0);
  });
});
