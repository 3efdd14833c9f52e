import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { sharedLinkChecks } from '../../../functions/stats/shared-link';
import type { Env } from '../../../workers/env';
import { signUp, type TestAccount, uniqueIp } from '../helpers/accounts';
import { call } from '../sites/client';
import { post, visitorsQuery } from './app-fetch';
import { event, insertEvents, newSite } from './fixtures';

/**
 * Password-protected shared links (functions/stats/shared-link.ts), with the default counts
 * (10 checks per IP, 20 wrong passwords per link) over an hour instead of a minute, so that
 * nothing refills while a slow machine runs a test.
 */
const LIMITS: Partial<Env> = {
  SHARED_LINK_RATE_LIMIT_PER_IP: '10/3600',
  SHARED_LINK_RATE_LIMIT_PER_LINK: '20/3600',
};

const PASSWORD = 'open sesame 42';

let owner: TestAccount;

beforeAll(async () => {
  owner = await signUp();
});

/** A site with a password-protected shared link and one visitor on 2026-10-05. */
async function protectedLink(): Promise<{ site: SiteJson; link: string }> {
  const site = await newSite(owner);
  await insertEvents([event(site.id, '2026-10-05T10:00:00Z', { visitor: 1, session: 1 })]);
  const res = await call<{ site: SiteJson }>('PATCH', `/api/sites/${site.id}`, {
    as: owner,
    body: { shared_link: { password: PASSWORD } },
  });
  expect(res.status).toBe(200);
  return { site, link: res.body.site.shared_link?.id ?? '' };
}

function ask(site: SiteJson, link: string, password: string | null, ip: string, env: Partial<Env> = {}) {
  const headers: Record<string, string> = { 'X-Shared-Link': link };
  if (password !== null) headers['X-Shared-Link-Password'] = password;
  return post('/api/v2/query', visitorsQuery(site.domain), { ip, headers }, { ...LIMITS, ...env });
}

describe('shared-link passwords', () => {
  it('15 wrong passwords from one IP: 429 with Retry-After before the 15th', async () => {
    const { site, link } = await protectedLink();
    const ip = uniqueIp();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 15; i++) {
      const res = await ask(site, link, `wrong guess ${i}`, ip);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter ??= res.retryAfter;
        expect(res.body.error?.code).toBe('rate_limited');
      }
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(5).fill(429));
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // The right password from that IP waits too; from another IP it opens the link.
    expect((await ask(site, link, PASSWORD, ip)).status).toBe(429);
    const elsewhere = await ask(site, link, PASSWORD, uniqueIp());
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body).toMatchObject({ results: [{ metrics: [1] }] });
  });

  it('refused attempts run no PBKDF2', async () => {
    const { site, link } = await protectedLink();
    const ip = uniqueIp();
    for (let i = 0; i < 10; i++) await ask(site, link, `wrong ${i}`, ip);
    const before = sharedLinkChecks.pbkdf2;
    for (let i = 0; i < 5; i++) expect((await ask(site, link, `more ${i}`, ip)).status).toBe(429);
    expect(sharedLinkChecks.pbkdf2).toBe(before);
  });

  it('a viewer who gave the right password is not checked again (no PBKDF2 per dashboard query)', async () => {
    const { site, link } = await protectedLink();
    const ip = uniqueIp();
    const before = sharedLinkChecks.pbkdf2;
    expect((await ask(site, link, PASSWORD, ip)).status).toBe(200);
    expect(sharedLinkChecks.pbkdf2).toBe(before + 1);
    for (let i = 0; i < 12; i++) expect((await ask(site, link, PASSWORD, ip)).status).toBe(200);
    expect(sharedLinkChecks.pbkdf2).toBe(before + 1);
  });

  it('no password given: 401 password_required, and no attempt spent', async () => {
    const { site, link } = await protectedLink();
    const ip = uniqueIp();
    for (let i = 0; i < 15; i++) {
      const res = await ask(site, link, null, ip);
      expect(res.status).toBe(401);
      expect(res.body.error?.code).toBe('password_required');
    }
    expect((await ask(site, link, PASSWORD, ip)).status).toBe(200);
  });

  it('limits wrong passwords per link, from any number of IPs; a viewer already let in stays in', async () => {
    const { site, link } = await protectedLink();
    const viewer = uniqueIp();
    expect((await ask(site, link, PASSWORD, viewer)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await ask(site, link, `spray ${i}`, uniqueIp())).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    // 20 wrong ones, not 21: the right password given first was not counted.
    expect(statuses.slice(20)).toEqual([429, 429]);
    // Known to this isolate already: no check, no limit.
    expect((await ask(site, link, PASSWORD, viewer)).status).toBe(200);
  });

  it('a new password is checked again: the remembered pair was for the old one', async () => {
    const { site, link } = await protectedLink();
    const ip = uniqueIp();
    expect((await ask(site, link, PASSWORD, ip)).status).toBe(200);
    const changed = await call('PATCH', `/api/sites/${site.id}`, {
      as: owner,
      body: { shared_link: { password: 'another secret 7' } },
    });
    expect(changed.status).toBe(200);
    expect((await ask(site, link, PASSWORD, ip)).status).toBe(401);
    expect((await ask(site, link, 'another secret 7', ip)).status).toBe(200);
  });

  it('fails closed: with the limiter down, an unverified password is refused (429), not checked', async () => {
    const { site, link } = await protectedLink();
    const broken = {
      getByName: () => ({ lease: () => Promise.reject(new Error('Durable Object unavailable')) }),
    } as unknown as Env['RATE_LIMITER'];
    const before = sharedLinkChecks.pbkdf2;
    const res = await ask(site, link, PASSWORD, uniqueIp(), { RATE_LIMITER: broken });
    expect(res.status).toBe(429);
    expect(res.retryAfter).toMatch(/^\d+$/);
    expect(sharedLinkChecks.pbkdf2).toBe(before);
  });
});
