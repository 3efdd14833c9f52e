import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventBatchMessage, EventRecord } from '../../../workers/events/record';
import { botReason } from '../../../workers/ingest/drop/bots';
import { GroupCommit } from '../../../workers/ingest/group-commit';
import { ingestFetch, resetIngestPipeline } from '../../../workers/ingest/routes';
import { SaltCache } from '../../../workers/ingest/salts';
import { createSite, pageview, testEnv } from '../helpers/stack';

/**
 * Per-event costs the ingest profile found (docs/benchmarks.md): work done for every event that
 * needs doing once per isolate.
 */
describe('ingest hot path', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("hands out the day's salt key once loaded without a timer per event", async () => {
    const cache = new SaltCache(testEnv.DB);
    const now = Date.parse('2031-05-06T09:00:00Z');
    const first = await cache.keyFor(now);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const again = await cache.keyFor(now + 60_000);
    expect(again).toBe(first);
    expect(timers).not.toHaveBeenCalled();
  });

  it('still loads a new key when the day changes', async () => {
    const cache = new SaltCache(testEnv.DB);
    const today = await cache.keyFor(Date.parse('2031-05-07T23:59:00Z'));
    const tomorrow = await cache.keyFor(Date.parse('2031-05-08T00:01:00Z'));
    expect(tomorrow).not.toBe(today);
  });
});

/** An execution context that counts waitUntil registrations (and keeps their promises). */
function countingContext(): { ctx: ExecutionContext; registered: Promise<unknown>[] } {
  const registered: Promise<unknown>[] = [];
  const ctx = {
    waitUntil: (promise: Promise<unknown>) => void registered.push(promise),
    passThroughOnException: () => {},
    props: {},
  } as unknown as ExecutionContext;
  return { ctx, registered };
}

function eventRequest(domain: string, path = '/'): Request {
  return new Request('http://edgebear.test/api/event', {
    method: 'POST',
    headers: {
      'content-type': 'text/plain',
      'cf-connecting-ip': '198.51.100.31',
      'user-agent':
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    },
    body: JSON.stringify(pageview(domain, `https://${domain}${path}`)),
  });
}

describe('ingest hot path: per-event work', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('keeps a group commit to at most one timer per event', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const sent: EventBatchMessage[] = [];
    const commit = new GroupCommit({ windowMs: 60_000, maxEvents: 50, send: async (m) => void sent.push(m) });
    const record = (i: number) => ({ site_id: 1, pathname: `/${i}` }) as unknown as EventRecord;
    await Promise.all(Array.from({ length: 50 }, (_, i) => commit.add(record(i))));
    expect(sent.map((m) => m.events.length)).toEqual([50]);
    expect(timers.mock.calls.length).toBeLessThanOrEqual(50);
  });

  it('still answers every member when its group is sent by the window, not by filling', async () => {
    const sent: EventBatchMessage[] = [];
    const commit = new GroupCommit({ windowMs: 40, maxEvents: 50, send: async (m) => void sent.push(m) });
    const record = (i: number) => ({ site_id: 1, pathname: `/${i}` }) as unknown as EventRecord;
    const started = Date.now();
    await Promise.all(Array.from({ length: 7 }, (_, i) => commit.add(record(i))));
    expect(sent.map((m) => m.events.length)).toEqual([7]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('looks at the counters and refused-event flushes at most once a second, not per event', async () => {
    resetIngestPipeline();
    const first = countingContext();
    const res1 = await ingestFetch(eventRequest('nobody-hot-path.test'), testEnv, first.ctx);
    const second = countingContext();
    const res2 = await ingestFetch(eventRequest('nobody-hot-path.test'), testEnv, second.ctx);
    expect(res1?.status).toBe(202);
    expect(res2?.status).toBe(202);
    await Promise.all([...first.registered, ...second.registered]);
    expect(first.registered.length).toBeGreaterThan(0);
    expect(second.registered).toHaveLength(0);
  });

  it('answers each accepted event with headers of its own', async () => {
    const site = await createSite();
    // Straight to the handler: a Response it builds has mutable headers, as a middleware would see them.
    const answer = async (domain: string) => {
      const { ctx, registered } = countingContext();
      const res = await ingestFetch(eventRequest(domain), testEnv, ctx);
      await Promise.all(registered);
      if (!res) throw new Error('not an event route');
      return res;
    };
    const one = await answer(site.domain);
    expect(one.status).toBe(202);
    expect(one.headers.get('access-control-allow-origin')).toBe('*');
    expect(one.headers.get('x-content-type-options')).toBe('nosniff');
    one.headers.set('x-leak', 'yes');
    const two = await answer(site.domain);
    expect(two.status).toBe(202);
    expect(await two.text()).toBe('ok');
    expect(two.headers.get('x-leak')).toBeNull();
    expect(two.headers.get('x-edgebear-dropped')).toBeNull();
    const dropped = await answer('nobody-hot-path.test');
    expect(dropped.headers.get('x-edgebear-dropped')).toBe('unknown_site');
    const three = await answer(site.domain);
    expect(three.headers.get('x-edgebear-dropped')).toBeNull();
    expect(three.headers.get('cache-control')).toBe('no-store');
  });

  it("takes the day's salt key without formatting a date per event", async () => {
    const cache = new SaltCache(testEnv.DB);
    const now = Date.parse('2031-05-09T09:00:00Z');
    const first = await cache.keyFor(now);
    const formats = vi.spyOn(Date.prototype, 'toISOString');
    expect(await cache.keyFor(now + 3_600_000)).toBe(first);
    expect(formats).not.toHaveBeenCalled();
  });

  it("judges a user agent it has seen from memory, without running isbot's patterns again", () => {
    const ua = 'Mozilla/5.0 (compatible; ExampleCrawler/2.1; +https://crawler.example/bot.html)';
    const headers = new Headers();
    expect(botReason(ua, headers, undefined)).toBe('bot');
    const tests = vi.spyOn(RegExp.prototype, 'test');
    expect(botReason(ua, headers, undefined)).toBe('bot');
    expect(tests).not.toHaveBeenCalled();
    // A headless brand list still counts for a cached browser agent.
    const chrome =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    expect(botReason(chrome, headers, undefined)).toBeNull();
    expect(botReason(chrome, new Headers({ 'sec-ch-ua': '"HeadlessChrome";v="131"' }), undefined)).toBe(
      'automation',
    );
  });
});
