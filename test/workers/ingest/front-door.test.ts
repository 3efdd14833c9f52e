/**
 * The ingest front door (issue 10, item 5): what an abusive or unlucky sender meets before any
 * event is stored. Runs in workerd with the real D1, Durable Objects, Queue and ClickHouse.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../workers/config';
import type { EventBatchMessage } from '../../../workers/events/record';
import { excludedPathMatcher, isPathExcluded } from '../../../workers/ingest/drop/excluded-path';
import { GroupCommit } from '../../../workers/ingest/group-commit';
import { type IngestOutcome, IngestPipeline } from '../../../workers/ingest/pipeline';
import { SiteCache } from '../../../workers/ingest/site-cache';
import { parseRateRule } from '../../../workers/limits/rule';
import { createSite, pageview, send, testEnv, waitForRows } from '../helpers/stack';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A pipeline of its own (fresh caches and leases) with a per-IP rule of the test's choosing. */
function pipelineWith(perIp: string): IngestPipeline {
  return new IngestPipeline(testEnv, { ...parseConfig(testEnv), perIp: parseRateRule(perIp) });
}

let ipCounter = 0;
const ipBase = Math.floor(Math.random() * 200);
/** An address no other test of this file uses, so per-IP buckets never carry over. */
function freshIp(): string {
  ipCounter++;
  return `198.18.${ipBase + Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
}

function beacon(pipeline: IngestPipeline, body: unknown, ip: string): Promise<IngestOutcome> {
  return pipeline.handle({
    body: JSON.stringify(body),
    format: 'edgebear',
    ip,
    userAgent: CHROME,
    headers: new Headers(),
    cf: undefined,
    nowMs: Date.now(),
  });
}

describe('the per-IP limit runs before the site lookup', () => {
  it('60 events for 60 unknown domains from one IP meet 429s, and at most the limit reaches D1', async () => {
    const pipeline = pipelineWith('30/60');
    const ip = freshIp();
    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < 60; i++) {
      outcomes.push(await beacon(pipeline, pageview(`unknown-${i}-${ip}.example`), ip));
    }
    const limited = outcomes.filter((o) => o.status === 429).length;
    const dropped = outcomes.filter((o) => o.status === 202 && o.dropped === 'unknown_site').length;
    // The limit admits 30 a minute, plus at most 10 % (docs/rate-limits.md).
    expect(dropped).toBeLessThanOrEqual(33);
    expect(limited).toBeGreaterThanOrEqual(27);
    expect(dropped + limited).toBe(60);
    expect(pipeline.sites.queries).toBe(dropped);
  });

  it('still limits the known site per site, after the lookup', async () => {
    const pipeline = new IngestPipeline(testEnv, {
      ...parseConfig(testEnv),
      perSite: parseRateRule('5/60'),
    });
    const site = await createSite();
    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < 12; i++)
      outcomes.push(await beacon(pipeline, pageview(site.domain), `203.0.113.${i}`));
    expect(outcomes.filter((o) => o.status === 429 && o.limit === 'site').length).toBeGreaterThan(0);
  });
});

describe('production without IP_KEY_SECRET', () => {
  it('refuses every event with 503 before reading anything (limits keyed by IP fail closed)', async () => {
    const site = await createSite();
    const pipeline = new IngestPipeline(testEnv, { ...parseConfig(testEnv), ipKeySecret: null });
    const outcome = await beacon(pipeline, pageview(site.domain), freshIp());
    expect(outcome).toMatchObject({ status: 503, code: 'unavailable' });
    expect(pipeline.sites.queries).toBe(0);
  });
});

describe('per-IP limits count an IPv6 client by its /64', () => {
  it('rotating through addresses of one /64 does not escape the limit; another /64 has its own', async () => {
    const pipeline = pipelineWith('10/60');
    const site = await createSite();
    const prefix = `2001:db8:${(ipBase * 250 + 1).toString(16)}:${Math.floor(Math.random() * 65_535).toString(16)}`;
    const outcomes: IngestOutcome[] = [];
    for (let i = 1; i <= 30; i++) {
      outcomes.push(
        await beacon(pipeline, pageview(site.domain), `${prefix}:${i.toString(16)}::${i.toString(16)}`),
      );
    }
    expect(outcomes.filter((o) => o.status === 429 && o.limit === 'ip').length).toBeGreaterThanOrEqual(19);
    const neighbour = await beacon(
      pipeline,
      pageview(site.domain),
      `${prefix.replace(/[0-9a-f]+$/, (h) => (Number.parseInt(h, 16) ^ 1).toString(16))}::1`,
    );
    expect(neighbour.status).toBe(202);
  });

  it('an IPv4-mapped IPv6 address shares the bucket of its IPv4 address', async () => {
    const pipeline = pipelineWith('10/60');
    const site = await createSite();
    const ip = freshIp();
    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < 15; i++) outcomes.push(await beacon(pipeline, pageview(site.domain), ip));
    for (let i = 0; i < 15; i++) outcomes.push(await beacon(pipeline, pageview(site.domain), `::ffff:${ip}`));
    expect(outcomes.filter((o) => o.status === 429).length).toBeGreaterThanOrEqual(19);
  });
});

describe('`d` must be a hostname', () => {
  it.each([
    ['a scheme', 'https://example.com'],
    ['a path', 'example.com/pricing'],
    ['a space', 'exa mple.com'],
    ['a 64-character label', `${'a'.repeat(64)}.example`],
    ['a port', 'example.com:443'],
  ])('a domain with %s → 400 invalid_field', async (_what, d) => {
    const res = await send('/api/event', pageview('example.com', 'https://example.com/', { d }), {
      ip: freshIp(),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_field');
    expect(body.error.message).toContain('d (domain)');
  });

  it('an internationalised domain is recorded for the site registered under its punycode', async () => {
    const site = await createSite();
    const unicode = `bücher-${site.id}.example`;
    const ascii = new URL(`http://${unicode}`).hostname;
    await testEnv.DB.prepare('UPDATE sites SET domain = ?1 WHERE id = ?2').bind(ascii, site.id).run();
    const res = await send('/api/event', pageview(unicode, `https://${ascii}/buch`), { ip: freshIp() });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-edgebear-dropped')).toBeNull();
    const stored = await waitForRows(
      'SELECT pathname FROM events WHERE site_id = {site:UInt32}',
      { site: site.id },
      1,
    );
    expect(stored).toEqual([{ pathname: '/buch' }]);
  });

  it('the Umami payload still names its site by the public key', async () => {
    const site = await createSite();
    const res = await send(
      '/api/send',
      { type: 'event', payload: { website: site.key, hostname: site.domain, url: '/umami' } },
      { ip: freshIp() },
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('x-edgebear-dropped')).toBeNull();
  });
});

describe('the site cache under a flood of unknown domains', () => {
  it('keeps serving a known site from memory while 12,000 unknown domains come and go', async () => {
    // A D1 stand-in that knows one site, so the flood runs in milliseconds; the real D1 serves
    // the other tests. 12,000 is more than the isolate keeps of anything.
    const site = { id: 4242, domain: 'known.example' };
    const db = {
      prepare: () => ({
        bind: (key: string) => ({
          first: async () =>
            key === site.domain
              ? {
                  id: site.id,
                  domain: site.domain,
                  public_key: 'pk',
                  timezone: 'UTC',
                  allowed_hostnames: '[]',
                  respect_dnt: 0,
                  excluded_paths: '[]',
                  billing_profile_id: null,
                }
              : null,
        }),
      }),
    } as unknown as D1Database;
    const cache = new SiteCache(db, 60);
    expect((await cache.lookup(site.domain))?.id).toBe(site.id);
    expect(cache.queries).toBe(1);
    const flood = 12_000;
    for (let i = 0; i < flood; i++) await cache.lookup(`flood-${i}.example`);
    expect(cache.queries).toBe(1 + flood);
    // The known site was looked up before all of them, and is still an answer from memory.
    expect((await cache.lookup(site.domain))?.id).toBe(site.id);
    expect(cache.queries).toBe(1 + flood);
  });

  it('answers from the real D1 and remembers both kinds of answer', async () => {
    const site = await createSite();
    const cache = new SiteCache(testEnv.DB, 60);
    expect((await cache.lookup(site.domain))?.id).toBe(site.id);
    expect((await cache.lookup(site.key))?.id).toBe(site.id);
    expect(await cache.lookup(`nothing-${site.id}.example`)).toBeNull();
    await Promise.all([cache.lookup(site.domain), cache.lookup(`nothing-${site.id}.example`)]);
    expect(cache.queries).toBe(3);
  });

  it('remembers "no such site" for a shorter time than a site', async () => {
    let now = 1_000_000;
    const site = await createSite();
    const cache = new SiteCache(testEnv.DB, 60, () => now);
    await cache.lookup(site.domain);
    await cache.lookup(`nothing-${site.id}.example`);
    now += 15_000;
    await cache.lookup(site.domain);
    await cache.lookup(`nothing-${site.id}.example`);
    // The site is still cached at 15 s; the negative answer was asked again.
    expect(cache.queries).toBe(3);
  });
});

describe('group commit sizes messages in UTF-8 bytes', () => {
  // About 5 KB of UTF-8 in one prop (3 bytes a character), as a Japanese site sends.
  const japanese = '日本語のテキストです。'.repeat(160).slice(0, 1_700);

  it('25 concurrent events with ~5 KB of Japanese props each → 25 × 202 and 25 rows', async () => {
    const site = await createSite();
    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        send(
          '/api/event',
          { ...pageview(site.domain), n: 'Read', p: { body: japanese, i } },
          {
            ip: `198.51.100.${100 + i}`,
          },
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(25).fill(202));
    const stored = await waitForRows(
      'SELECT name FROM events WHERE site_id = {site:UInt32}',
      { site: site.id },
      25,
    );
    expect(stored).toHaveLength(25);
  });

  it('120 concurrent events, more than a group holds, from as many requests → 120 × 202 and 120 rows', async () => {
    const site = await createSite();
    const responses = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        send(
          '/api/event',
          { ...pageview(site.domain), n: 'Many', p: { i } },
          { ip: `198.19.${ipBase}.${i}` },
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(120).fill(202));
    const stored = await waitForRows(
      'SELECT name FROM events WHERE site_id = {site:UInt32}',
      { site: site.id },
      120,
    );
    expect(stored).toHaveLength(120);
  });

  it('never hands the queue a message over its byte limit', async () => {
    const sent: number[] = [];
    const commit = new GroupCommit({
      windowMs: 20,
      send: async (message) => {
        sent.push(new TextEncoder().encode(JSON.stringify(message)).byteLength);
      },
    });
    await Promise.all(Array.from({ length: 25 }, (_, i) => commit.add(record(i, japanese))));
    expect(sent.length).toBeGreaterThan(1);
    for (const bytes of sent) expect(bytes).toBeLessThanOrEqual(100_000);
  });

  it('splits a group the queue refuses as too large and resends the halves; only an event too large alone fails', async () => {
    const limit = 20_000;
    const sent: EventBatchMessage[] = [];
    let refusals = 0;
    const commit = new GroupCommit({
      windowMs: 20,
      // The commit's own budget is larger than the queue's: the queue's answer must rescue it.
      maxBytes: 200_000,
      send: async (message) => {
        const bytes = new TextEncoder().encode(JSON.stringify(message)).byteLength;
        if (bytes > limit) {
          refusals++;
          throw new Error(`Queue send failed: message length of ${bytes} bytes exceeds limit of ${limit}`);
        }
        sent.push(message);
      },
    });
    const huge = 'x'.repeat(25_000);
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => commit.add(record(i, japanese.slice(0, 600)))),
      commit.add(record(99, huge)),
    ]);
    expect(results.slice(0, 20).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[20]?.status).toBe('rejected');
    expect(refusals).toBeGreaterThan(0);
    const delivered = sent.flatMap((m) => m.events.map((e) => e.pathname));
    expect(delivered.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `/${i}`).sort());
    // Each resent part is a message of its own, with a batch id of its own.
    expect(new Set(sent.map((m) => m.batch_id)).size).toBe(sent.length);
  });

  it('does not split on failures that are not about size', async () => {
    let calls = 0;
    const commit = new GroupCommit({
      windowMs: 10,
      send: async () => {
        calls++;
        throw new Error('queue unavailable');
      },
    });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => commit.add(record(i, ''))));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
  });
});

describe('excluded paths are matched in linear time', () => {
  it('a pathological pattern against a 2,000-character path takes steps in proportion to the path', () => {
    const matcher = excludedPathMatcher(['/*a*a*a*a*a*a*b']);
    // Starts with "/" and ends with "b", so every wildcard does its work; a backtracking matcher
    // would try some C(2000, 6) ≈ 10^17 placements of the a's.
    expect(matcher.test(`/${'a'.repeat(2_000)}/b`)).toBe(false);
    // Seven wildcards: a few passes over the 2,004 characters each.
    expect(matcher.steps).toBeLessThanOrEqual(3 * 8 * 2_004);
  });

  it('still drops the events of a site whose pattern matches', async () => {
    const site = await createSite();
    await testEnv.DB.prepare('UPDATE sites SET excluded_paths = ?1 WHERE id = ?2')
      .bind(JSON.stringify(['/admin/**', '/*a*a*a*a*a*a*b']), site.id)
      .run();
    const admin = await send('/api/event', pageview(site.domain, `https://${site.domain}/admin/users/7`), {
      ip: freshIp(),
    });
    const long = await send(
      '/api/event',
      pageview(site.domain, `https://${site.domain}/${'a'.repeat(1_500)}/b`),
      { ip: freshIp() },
    );
    expect(admin.headers.get('x-edgebear-dropped')).toBe('excluded_path');
    expect(long.status).toBe(202);
    expect(long.headers.get('x-edgebear-dropped')).toBeNull();
    expect(isPathExcluded(`/${'a'.repeat(10)}b`, ['/*a*a*a*a*a*a*b'])).toBe(true);
  });
});

function record(i: number, text: string): EventBatchMessage['events'][number] {
  return { site_id: 1, pathname: `/${i}`, props: { text } } as unknown as EventBatchMessage['events'][number];
}
