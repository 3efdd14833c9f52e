import { describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { hardDeleteSites } from '../../../workers/cron/site-deletion';
import { authFetch, signUp, tokenFromMail, waitForMail } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { type Caller, call, uniqueDomain } from './client';

type SiteBody = { site: SiteJson };

const UNAVAILABLE = {
  code: 'domain_unavailable',
  message: 'This domain cannot be added. If you own it, contact support.',
};

function addSite(as: Caller, domain: string) {
  return call<SiteBody>('POST', '/api/sites', { as, body: { domain } });
}

describe('sites and API keys need a verified email', () => {
  it('answers 403 email_unverified to an unverified account, then works once the link is followed', async () => {
    const account = await signUp(undefined, undefined, { verified: false });
    const site = await addSite(account, uniqueDomain());
    expect(site.status).toBe(403);
    expect(site.body.error?.code).toBe('email_unverified');
    expect(site.body.error?.message).toMatch(/^Confirm your email address first/);
    const key = await call('POST', '/api/keys', { as: account, body: { name: 'reporting' } });
    expect(key.status).toBe(403);
    expect(key.body.error?.code).toBe('email_unverified');
    // Nothing was created behind the 403.
    const rows = await testEnv.DB.prepare(
      `SELECT (SELECT count(*) FROM sites WHERE billing_profile_id = ?1) +
              (SELECT count(*) FROM api_keys WHERE billing_profile_id = ?1) AS n`,
    )
      .bind(account.billingProfileId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);

    const [mail] = await waitForMail(account.email, 'verify');
    expect(
      (await authFetch('/api/auth/verify-email', { body: { token: tokenFromMail(mail ?? ({} as never)) } }))
        .status,
    ).toBe(200);
    expect((await addSite(account, uniqueDomain())).status).toBe(201);
    expect((await call('POST', '/api/keys', { as: account, body: { name: 'reporting' } })).status).toBe(201);
  });

  it('still lets an unverified account read and sign out', async () => {
    const account = await signUp(undefined, undefined, { verified: false });
    expect((await call('GET', '/api/sites', { as: account })).status).toBe(200);
    expect((await call('GET', '/api/keys', { as: account })).status).toBe(200);
  });
});

describe('a domain held by one account', () => {
  it('cannot be added by another, live or soft-deleted, with one answer that says nothing about which', async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const live = uniqueDomain('live');
    const deleted = uniqueDomain('deleted');
    expect((await addSite(owner, live)).status).toBe(201);
    const doomed = await addSite(owner, deleted);
    expect((await call('DELETE', `/api/sites/${doomed.body.site.id}`, { as: owner })).status).toBe(200);

    const answers = [
      await addSite(stranger, live),
      await addSite(stranger, `www.${live}`),
      await addSite(stranger, deleted),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(409);
      expect(answer.body).toEqual({ error: UNAVAILABLE });
    }
  });

  it('answers the unowned (seeded) demo site the same way', async () => {
    const stranger = await signUp();
    const domain = uniqueDomain('seeded');
    await testEnv.DB.prepare('INSERT INTO sites (domain, public_key) VALUES (?1, ?2)')
      .bind(domain, crypto.randomUUID())
      .run();
    const answer = await addSite(stranger, domain);
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({ error: UNAVAILABLE });
  });

  it('tells its own owner plainly, who may also add it again after deleting it', async () => {
    const owner = await signUp();
    const domain = uniqueDomain();
    const first = await addSite(owner, domain);
    const twice = await addSite(owner, domain);
    expect(twice.status).toBe(409);
    expect(twice.body.error?.code).toBe('site_exists');
    await call('DELETE', `/api/sites/${first.body.site.id}`, { as: owner });
    expect((await addSite(owner, domain)).status).toBe(201);
  });

  // The hard delete runs mutations on a ClickHouse that the whole suite shares: slow on a busy machine.
  it('is free for anyone once the cron has hard-deleted it', { timeout: 120_000 }, async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const domain = uniqueDomain();
    const site = await addSite(owner, domain);
    await call('DELETE', `/api/sites/${site.body.site.id}`, { as: owner });
    expect((await addSite(stranger, domain)).status).toBe(409);
    await hardDeleteSites(testEnv, Date.now() + 73 * 3_600_000);
    expect((await addSite(stranger, domain)).status).toBe(201);
  });

  it('bounds probing: after 10 unavailable answers in an hour an account gets 429', async () => {
    const owner = await signUp();
    const prober = await signUp();
    const held = uniqueDomain('held');
    await addSite(owner, held);
    for (let i = 0; i < 10; i++) expect((await addSite(prober, held)).status).toBe(409);
    const limited = await addSite(prober, held);
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe('rate_limited');
    // A free domain is refused too while the account is limited: the answer reveals nothing.
    expect((await addSite(prober, uniqueDomain())).status).toBe(429);
  });
});
