/**
 * Abuse from outside, against the real stack (`wrangler dev` + the test ClickHouse), as an attacker
 * or an unlucky customer would meet it: password guessing on a shared link, a flood of unknown
 * domains from one address, a stranger failing logins for someone else's account, a burst of
 * Japanese content, and a key hammering the Stats API. This file starts its own stack with tight
 * per-IP limits, so the other end-to-end files keep their defaults.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFromMailbox, verificationToken } from '../../scripts/lib/dev-mailbox';
import { type Stack, startStack } from '../../scripts/lib/stack';
import { E2E, TEST_CLICKHOUSE } from '../setup/ports';
import { CHROME_UA, rows, waitForRows } from './helpers';

const SITE = 'abuse.test';
const PER_IP = 30;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    clickhousePort: TEST_CLICKHOUSE.port,
    externalClickHouse: {
      url: TEST_CLICKHOUSE.url,
      password: TEST_CLICKHOUSE.password,
      maintenancePassword: TEST_CLICKHOUSE.maintenancePassword,
    },
    workerPort: E2E.workerPort + 20,
    sites: [{ domain: SITE }],
    vars: { RATE_LIMIT_PER_IP: `${PER_IP}/60` },
    quiet: true,
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const url = (path: string) => `${stack.workerUrl}${path}`;

/** A browser-like client: one cookie jar, one IP, the session's CSRF token once signed in. */
class Client {
  cookie = '';
  csrf = '';
  constructor(public ip: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(url(path), {
      method,
      headers: {
        'content-type': 'application/json',
        'cf-connecting-ip': this.ip,
        'user-agent': CHROME_UA,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // an HTML page (the development mailbox)
    }
    if (typeof json.csrf_token === 'string') this.csrf = json.csrf_token;
    return { status: res.status, headers: res.headers, json, text };
  }
}

/** Signs up a fresh account, verifies its email from the outbox, and adds a site. */
async function owner(
  ip: string,
): Promise<{ client: Client; email: string; password: string; siteId: number }> {
  const client = new Client(ip);
  const email = `owner-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'correct horse battery staple';
  expect((await client.request('POST', '/api/auth/signup', { email, password })).status).toBe(201);
  const token = await verificationToken(stack.workerUrl, email);
  expect((await client.request('POST', '/api/auth/verify-email', { token })).status).toBe(200);
  const domain = `abuse-${randomBytes(4).toString('hex')}.example`;
  const site = await client.request('POST', '/api/sites', { domain });
  expect(site.status).toBe(201);
  return { client, email, password, siteId: (site.json.site as { id: number }).id };
}

function query(siteId: number) {
  return {
    site_id: siteId,
    metrics: ['visitors', 'pageviews', 'bounce_rate'],
    date_range: ['2000-01-01', '2100-12-31'],
    dimensions: ['visit:source', 'visit:country', 'event:page'],
  };
}

describe('abuse against the real stack', () => {
  it('15 wrong shared-link passwords from one IP meet a 429 before the 15th; the right one still opens it', async () => {
    const { client, siteId } = await owner('192.0.2.10');
    const patched = await client.request('PATCH', `/api/sites/${siteId}`, {
      shared_link: { password: 'the shared password' },
    });
    expect(patched.status).toBe(200);
    const link = (patched.json.site as { shared_link: { id: string } }).shared_link.id;

    const stranger = new Client('198.51.100.66');
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const res = await stranger.request('POST', '/api/v2/query', query(siteId), {
        'x-shared-link': link,
        'x-shared-link-password': `guess ${i}`,
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.slice(0, 14)).toContain(429);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);

    const viewer = new Client('203.0.113.77');
    const opened = await viewer.request('POST', '/api/v2/query', query(siteId), {
      'x-shared-link': link,
      'x-shared-link-password': 'the shared password',
    });
    expect(opened.status).toBe(200);
  });

  it(`60 events for 60 unknown domains from one IP are cut by the per-IP limit (${PER_IP}/min)`, async () => {
    const statuses: { status: number; dropped: string | null; retryAfter: string | null }[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await fetch(url('/api/event'), {
        method: 'POST',
        headers: {
          'content-type': 'text/plain',
          'cf-connecting-ip': '198.51.100.200',
          'user-agent': CHROME_UA,
        },
        body: JSON.stringify({
          n: 'pageview',
          u: `https://unknown-${i}.example/`,
          d: `unknown-${i}.example`,
        }),
      });
      await res.arrayBuffer();
      statuses.push({
        status: res.status,
        dropped: res.headers.get('x-edgebear-dropped'),
        retryAfter: res.headers.get('retry-after'),
      });
    }
    const first429 = statuses.findIndex((s) => s.status === 429);
    expect(first429).toBeGreaterThanOrEqual(PER_IP);
    // The documented overshoot bound for one isolate: at most 10 % over the limit.
    expect(first429).toBeLessThanOrEqual(Math.ceil(PER_IP * 1.1));
    expect(statuses.slice(0, first429).every((s) => s.status === 202 && s.dropped === 'unknown_site')).toBe(
      true,
    );
    expect(statuses.slice(first429).every((s) => s.status === 429 && Number(s.retryAfter) > 0)).toBe(true);
  });

  it('a stranger failing logins from rotating IPs does not lock the owner out', async () => {
    const { email, password } = await owner('192.0.2.20');
    for (let i = 0; i < 6; i++) {
      const stranger = new Client(`198.51.100.${100 + i}`);
      const res = await stranger.request('POST', '/api/auth/login', { email, password: `wrong ${i}` });
      // Wrong passwords: 401, then, once the account's failure limit trips, the neutral 202 "check your email".
      expect([401, 202]).toContain(res.status);
    }
    const fresh = new Client('203.0.113.200');
    const res = await fresh.request('POST', '/api/auth/login', { email, password });
    await signedIn(fresh, res, email);
    const me = await fresh.request('GET', '/api/auth/me');
    expect(me.status).toBe(200);
    expect((me.json.user as { email: string }).email).toBe(email);
  });

  it('25 concurrent events with ~5 KB of Japanese props each are all stored, none refused', async () => {
    const title = 'ウェブ解析のための静かなツール、プライバシーを守りながら訪問者を数える。'
      .repeat(25)
      .slice(0, 900);
    const marker = randomBytes(4).toString('hex');
    const responses = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const res = await fetch(url('/api/event'), {
          method: 'POST',
          headers: {
            'content-type': 'text/plain',
            'cf-connecting-ip': `203.0.113.${i + 1}`,
            'user-agent': CHROME_UA,
          },
          body: JSON.stringify({
            n: 'pageview',
            u: `https://${SITE}/ja/${marker}/${i}`,
            d: SITE,
            p: { title, section: title.slice(0, 800) },
          }),
        });
        await res.arrayBuffer();
        return { status: res.status, dropped: res.headers.get('x-edgebear-dropped') };
      }),
    );
    expect(responses).toEqual(Array.from({ length: 25 }, () => ({ status: 202, dropped: null })));
    const stored = await waitForRows<{ n: string }>(
      'SELECT count() AS n FROM events WHERE hostname = {site:String} AND startsWith(pathname, {prefix:String}) HAVING n >= 25',
      { site: SITE, prefix: `/ja/${marker}/` },
      1,
      30_000,
    );
    expect(stored[0]?.n).toBe('25');
  });

  it('100 rapid Stats API queries from one key meet 429s with Retry-After; ClickHouse is idle soon after', async () => {
    const { client, siteId } = await owner('192.0.2.30');
    const created = await client.request('POST', '/api/keys', { name: 'hammer', scopes: ['stats:read'] });
    expect(created.status).toBe(201);
    const secret = (created.json.key as { secret: string }).secret;

    // Ten at a time, as fast as they are answered: rapid, without queueing 100 statements on two cores.
    const results: { status: number; retryAfter: string | null }[] = [];
    for (let wave = 0; wave < 10; wave++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, async () => {
            const res = await fetch(url('/api/v2/query'), {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
              body: JSON.stringify(query(siteId)),
            });
            await res.arrayBuffer();
            return { status: res.status, retryAfter: res.headers.get('retry-after') };
          }),
        )),
      );
    }
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => Number(r.retryAfter) > 0)).toBe(true);
    expect(results.filter((r) => r.status !== 200 && r.status !== 429)).toEqual([]);

    const deadline = Date.now() + 10_000;
    let running = -1;
    while (Date.now() < deadline) {
      const [row] = await rows<{ n: string }>(
        "SELECT count() AS n FROM system.processes WHERE query NOT ILIKE '%system.processes%'",
      );
      running = Number(row?.n ?? -1);
      if (running === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(running).toBe(0);
  });
});

/** Completes a sign-in that answered directly, or through the emailed link when the account was under attack. */
async function signedIn(client: Client, res: Awaited<ReturnType<Client['request']>>, email: string) {
  if (res.status === 200 && res.json.user) return;
  expect(res.status).toBe(202);
  const token = await linkFromMailbox(stack.workerUrl, email, /sign-in\?token=([A-Za-z0-9_-]+)/);
  const done = await client.request('POST', '/api/auth/login/email', { token });
  expect(done.status).toBe(200);
}
