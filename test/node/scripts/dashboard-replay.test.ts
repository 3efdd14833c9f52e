/**
 * The dashboard bench's replay of a captured load (scripts/bench/dashboard-worker.ts) against a
 * stand-in server: a request is sent only once the requests it waits for have answered, the
 * requests of one step go out together, and a failed batched question fails the load instead of
 * being timed as an answer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CapturedRequest, replay, waves } from '../../../scripts/bench/dashboard-worker';

let server: Server | null = null;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** Answers every request after `delayMs`, recording when each arrived and was answered. */
async function standIn(delayMs: number, batchStatus = 200) {
  const log: { path: string; event: 'in' | 'out'; at: number; cookie: string }[] = [];
  server = createServer((req, res) => {
    const path = req.url ?? '';
    log.push({ path, event: 'in', at: performance.now(), cookie: req.headers.cookie ?? '' });
    setTimeout(() => {
      log.push({ path, event: 'out', at: performance.now(), cookie: '' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        path.startsWith('/api/v2/query/batch')
          ? JSON.stringify({ results: [{ status: batchStatus }] })
          : '{}',
      );
    }, delayMs);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, log };
}

const headers = { cookie: 'eb_session=abc', 'x-csrf-token': 't' };
/** The shape the dashboard page sends: the session, then the site and billing, then the panels. */
const PLAN: CapturedRequest[] = [
  { method: 'GET', path: '/api/auth/me', body: null, headers, after: [] },
  { method: 'GET', path: '/api/billing', body: null, headers, after: [0] },
  { method: 'GET', path: '/api/sites/1', body: null, headers, after: [0] },
  { method: 'POST', path: '/api/stats/performance', body: '{}', headers, after: [0, 1, 2] },
  { method: 'POST', path: '/api/v2/query/batch', body: '{"queries":[]}', headers, after: [0, 1, 2] },
];

describe('dashboard bench replay', () => {
  it('numbers the steps of a load from what each request waits for', () => {
    expect(waves(PLAN)).toEqual([0, 1, 1, 2, 2]);
  });

  it('sends each request after the ones it waits for answered, a step at once, with the cookie', async () => {
    const stand = await standIn(100);
    const load = await replay(stand.url, PLAN);
    const at = (path: string, event: 'in' | 'out') =>
      stand.log.find((e) => e.path === path && e.event === event)?.at ?? Number.NaN;
    expect(at('/api/billing', 'in')).toBeGreaterThanOrEqual(at('/api/auth/me', 'out'));
    expect(at('/api/v2/query/batch', 'in')).toBeGreaterThanOrEqual(at('/api/sites/1', 'out'));
    expect(at('/api/v2/query/batch', 'in')).toBeGreaterThanOrEqual(at('/api/billing', 'out'));
    // One step's requests overlap: the second is in before the first is answered.
    expect(at('/api/sites/1', 'in')).toBeLessThan(at('/api/billing', 'out'));
    expect(at('/api/v2/query/batch', 'in')).toBeLessThan(at('/api/stats/performance', 'out'));
    expect(stand.log.filter((e) => e.event === 'in').every((e) => e.cookie === 'eb_session=abc')).toBe(true);
    // Three steps of 100 ms each; the panels' step is one of them.
    expect(load.whole).toBeGreaterThanOrEqual(295);
    expect(load.data).toBeGreaterThanOrEqual(98);
    expect(load.data).toBeLessThan(load.whole);
    expect(load.batch).toBeGreaterThanOrEqual(98);
  });

  it('fails the load when a batched question failed', async () => {
    const stand = await standIn(1, 429);
    await expect(replay(stand.url, PLAN)).rejects.toThrow(/a batched query failed/);
  });
});
