/**
 * Server-side events (issue 10, item 6): `POST /api/event` with `Authorization: Bearer <key>`
 * whose key has `events:write` may forward the visitor's IP and user agent. Runs in workerd with
 * the real D1, Durable Objects, Queue and ClickHouse.
 */
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../../functions/auth/tokens';
import { parseConfig } from '../../../workers/config';
import { type IngestOutcome, IngestPipeline } from '../../../workers/ingest/pipeline';
import { parseRateRule } from '../../../workers/limits/rule';
import { createSite, pageview, rows, send, testEnv, waitForRows } from '../helpers/stack';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

let profileCounter = 0;

/** A billing profile id of its own (api_keys and sites only refer to it by number). */
function newProfile(): number {
  profileCounter++;
  return 1_000_000 + Math.floor(Math.random() * 1_000_000) * 10 + profileCounter;
}

/** A site of `profile`. */
async function siteOf(profile: number): Promise<{ id: number; domain: string }> {
  const site = await createSite();
  await testEnv.DB.prepare('UPDATE sites SET billing_profile_id = ?1 WHERE id = ?2')
    .bind(profile, site.id)
    .run();
  return site;
}

/** An API key as the keys API stores it: only its SHA-256. */
async function keyOf(
  profile: number,
  options: { scopes?: string; siteId?: number | null; revoked?: boolean } = {},
): Promise<string> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const secret = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  const key = `eb_live_${secret}`;
  await testEnv.DB.prepare(
    `INSERT INTO api_keys (billing_profile_id, site_id, name, prefix, secret_hash, scopes, created_at, revoked_at)
     VALUES (?1, ?2, 'test', ?3, ?4, ?5, ?6, ?7)`,
  )
    .bind(
      profile,
      options.siteId ?? null,
      key.slice(0, 16),
      await hashToken(key),
      options.scopes ?? 'stats:read,events:write',
      Math.floor(Date.now() / 1000),
      options.revoked ? Math.floor(Date.now() / 1000) : null,
    )
    .run();
  return key;
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

function visitorsOf(siteId: number): Promise<{ pathname: string; visitor_id: string }[]> {
  return rows('SELECT pathname, visitor_id FROM events WHERE site_id = {site:UInt32} ORDER BY pathname', {
    site: siteId,
  });
}

describe('server-side events with an events:write key', () => {
  it('hash the forwarded visitor IP and user agent, never the caller, and store neither', async () => {
    const profile = newProfile();
    const site = await siteOf(profile);
    const key = await keyOf(profile);
    const server = (ip: string, path: string, xff: string, ua: string) =>
      send('/api/event', pageview(site.domain, `https://${site.domain}${path}`), {
        ip,
        ua,
        headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': xff },
      });
    const sent = await Promise.all([
      // One visitor (same IP and browser) seen through two of the customer's servers.
      server('192.0.2.10', '/a', '203.0.113.50, 10.0.0.1', SAFARI),
      server('192.0.2.11', '/b', '203.0.113.50', SAFARI),
      // Another visitor behind the same server.
      server('192.0.2.10', '/c', '2001:db8:1::7', SAFARI),
      // The first visitor's address with another browser.
      server('192.0.2.10', '/d', '203.0.113.50', CHROME),
    ]);
    expect(sent.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    expect(sent.map((r) => r.headers.get('x-edgebear-dropped'))).toEqual([null, null, null, null]);
    await waitForRows('SELECT 1 FROM events WHERE site_id = {site:UInt32}', { site: site.id }, 4);
    const stored = await visitorsOf(site.id);
    const id = (path: string) => stored.find((r) => r.pathname === path)?.visitor_id;
    expect(id('/a')).toBe(id('/b'));
    expect(id('/c')).not.toBe(id('/a'));
    expect(id('/d')).not.toBe(id('/a'));
    const everything = JSON.stringify(
      await rows('SELECT * FROM events WHERE site_id = {site:UInt32}', { site: site.id }),
    );
    expect(everything).not.toContain('203.0.113.50');
    expect(everything).not.toContain('2001:db8:1::7');
  });

  it('without a key, X-Forwarded-For is ignored: the connecting address is the visitor', async () => {
    const site = await createSite();
    const beacon = (path: string, xff: string) =>
      send('/api/event', pageview(site.domain, `https://${site.domain}${path}`), {
        ip: '192.0.2.20',
        headers: { 'x-forwarded-for': xff },
      });
    const sent = await Promise.all([beacon('/a', '203.0.113.1'), beacon('/b', '203.0.113.2')]);
    expect(sent.map((r) => r.status)).toEqual([202, 202]);
    await waitForRows('SELECT 1 FROM events WHERE site_id = {site:UInt32}', { site: site.id }, 2);
    const stored = await visitorsOf(site.id);
    expect(stored[0]?.visitor_id).toBe(stored[1]?.visitor_id);
  });

  it('a site-scoped key sends for its own site', async () => {
    const profile = newProfile();
    const site = await siteOf(profile);
    const key = await keyOf(profile, { siteId: site.id, scopes: 'events:write' });
    const res = await send('/api/event', pageview(site.domain), {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-edgebear-dropped')).toBeNull();
  });
});

describe('server-side events refused, nothing stored', () => {
  async function expectRefused(res: Response, status: number, code: string, siteId: number): Promise<void> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/json');
    const error = await errorOf(res);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
    // Give the queue time to deliver anything that slipped through.
    await new Promise((r) => setTimeout(r, 300));
    expect(await visitorsOf(siteId)).toEqual([]);
  }

  it('an unknown, malformed or revoked key → 401', async () => {
    const profile = newProfile();
    const site = await siteOf(profile);
    const revoked = await keyOf(profile, { revoked: true });
    for (const authorization of [
      `Bearer eb_live_${'A'.repeat(43)}`,
      'Bearer nonsense',
      `Bearer ${revoked}`,
    ]) {
      const res = await send('/api/event', pageview(site.domain), {
        headers: { authorization, 'x-forwarded-for': '203.0.113.9' },
      });
      await expectRefused(res, 401, 'unauthorized', site.id);
    }
  });

  it('a key without events:write → 403', async () => {
    const profile = newProfile();
    const site = await siteOf(profile);
    const key = await keyOf(profile, { scopes: 'stats:read' });
    const res = await send('/api/event', pageview(site.domain), {
      headers: { authorization: `Bearer ${key}` },
    });
    await expectRefused(res, 403, 'forbidden', site.id);
  });

  it("another billing profile's key → 403, and a key scoped to another site → 403", async () => {
    const profile = newProfile();
    const site = await siteOf(profile);
    const sibling = await siteOf(profile);
    const stranger = await keyOf(newProfile());
    const scopedElsewhere = await keyOf(profile, { siteId: sibling.id });
    for (const key of [stranger, scopedElsewhere]) {
      const res = await send('/api/event', pageview(site.domain), {
        headers: { authorization: `Bearer ${key}` },
      });
      await expectRefused(res, 403, 'forbidden', site.id);
    }
  });

  it('a valid key for a domain that is not a site → 403 as for a site of someone else', async () => {
    const profile = newProfile();
    const site = await siteOf(profile);
    const key = await keyOf(profile);
    const res = await send('/api/event', pageview(`nobody-${site.id}.example`), {
      headers: { authorization: `Bearer ${key}` },
    });
    await expectRefused(res, 403, 'forbidden', site.id);
  });

  it('an X-Forwarded-For that does not start with an address → 400', async () => {
    const profile = newProfile();
    const site = await siteOf(profile);
    const key = await keyOf(profile);
    const res = await send('/api/event', pageview(site.domain), {
      headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': 'unknown, 203.0.113.9' },
    });
    await expectRefused(res, 400, 'invalid_field', site.id);
  });
});

describe('server-side events at the edge: limits and cost', () => {
  function request(
    pipeline: IngestPipeline,
    domain: string,
    headers: Record<string, string>,
    ip: string,
  ): Promise<IngestOutcome> {
    return pipeline.handle({
      body: JSON.stringify(pageview(domain)),
      format: 'edgebear',
      ip,
      userAgent: CHROME,
      headers: new Headers(headers),
      cf: undefined,
      nowMs: Date.now(),
    });
  }

  it("the per-IP limit counts the caller's address, not the forwarded ones", async () => {
    const pipeline = new IngestPipeline(testEnv, { ...parseConfig(testEnv), perIp: parseRateRule('10/60') });
    const profile = newProfile();
    const site = await siteOf(profile);
    const key = await keyOf(profile);
    const caller = `192.0.2.${100 + Math.floor(Math.random() * 100)}`;
    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < 30; i++) {
      outcomes.push(
        await request(
          pipeline,
          site.domain,
          { authorization: `Bearer ${key}`, 'x-forwarded-for': `203.0.113.${i}` },
          caller,
        ),
      );
    }
    const accepted = outcomes.filter((o) => o.status === 202).length;
    expect(accepted).toBeLessThanOrEqual(11);
    expect(outcomes.filter((o) => o.status === 429 && o.limit === 'ip').length).toBeGreaterThanOrEqual(19);
  });

  it('browser beacons never read a key; a busy server reads its key once', async () => {
    const pipeline = new IngestPipeline(testEnv, parseConfig(testEnv));
    const profile = newProfile();
    const site = await siteOf(profile);
    const key = await keyOf(profile);
    for (let i = 0; i < 5; i++) {
      expect((await request(pipeline, site.domain, {}, `203.0.113.${i}`)).status).toBe(202);
    }
    expect(pipeline.keys.queries).toBe(0);
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request(
          pipeline,
          site.domain,
          { authorization: `Bearer ${key}`, 'x-forwarded-for': `198.51.100.${i}` },
          `192.0.2.${i % 4}`,
        ),
      ),
    );
    expect(burst.map((o) => o.status)).toEqual(Array(40).fill(202));
    for (let i = 0; i < 10; i++) {
      await request(pipeline, site.domain, { authorization: `Bearer ${key}` }, '192.0.2.1');
    }
    expect(pipeline.keys.queries).toBe(1);
  });
});
