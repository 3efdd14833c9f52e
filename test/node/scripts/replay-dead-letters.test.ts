import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplayError, type ReplayTotals, replayAll } from '../../../scripts/lib/replay-dead-letters';
import type { ReplayOutcome } from '../../../workers/consumer/dead-letters';

interface Parked {
  id: string;
  events: number;
  poison: boolean;
}

/**
 * A stand-in for the Worker's admin API, speaking its wire format (ReplayOutcome) over HTTP:
 * messages in order, poison ones skipped and kept, an opaque cursor, bearer "right-token".
 */
function fakeWorker(parked: Parked[], options: { failOnPage?: number } = {}) {
  const sent: string[] = [];
  const requests: string[] = [];
  let pages = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer right-token')
      return reply(401, { error: { code: 'unauthorized', message: 'a valid bearer token is required' } });
    if (req.method === 'GET' && url.pathname === '/admin/dead-letters')
      return reply(200, { messages: parked.length, events: parked.reduce((s, p) => s + p.events, 0) });
    if (req.method !== 'POST' || url.pathname !== '/admin/dead-letters/replay')
      return reply(404, { error: { code: 'not_found', message: 'not found' } });
    pages++;
    if (pages === options.failOnPage)
      return reply(503, { error: { code: 'queue_unavailable', message: 'the events queue refused a send' } });
    const limit = Number(url.searchParams.get('limit'));
    const dryRun = url.searchParams.get('dry_run') === '1';
    const after = url.searchParams.get('cursor') ?? '';
    const page = parked.filter((p) => p.id > after).sort((a, b) => a.id.localeCompare(b.id));
    const rows = page.slice(0, limit);
    const good = rows.filter((p) => !p.poison);
    if (!dryRun)
      for (const p of good) {
        sent.push(p.id);
        parked.splice(parked.indexOf(p), 1);
      }
    const outcome: ReplayOutcome = {
      dry_run: dryRun,
      replayed: good.length,
      events: good.reduce((s, p) => s + p.events, 0),
      skipped: rows.length - good.length,
      busy: 0,
      stored: 0,
      remaining: parked.length,
      next: page.length > limit ? (rows.at(-1)?.id ?? null) : null,
    };
    return reply(200, outcome);
  });
  return { server, sent, requests, parked };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function messages(n: number, poison: number[] = []): Parked[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `b${String(i).padStart(4, '0')}`,
    events: (i % 5) + 1,
    poison: poison.includes(i),
  }));
}

describe('npm run replay (scripts/lib/replay-dead-letters.ts)', () => {
  it('replays every page until nothing is left, counting replayed, skipped and remaining', async () => {
    const worker = fakeWorker(messages(25, [3, 17]));
    const url = await listen(worker.server);
    const progress: ReplayTotals[] = [];
    const totals = await replayAll({
      url,
      token: 'right-token',
      limit: 10,
      dryRun: false,
      onPage: (t) => progress.push(t),
    });
    expect(totals).toMatchObject({ pages: 3, messages: 23, skipped: 2, remaining: 2, busy: 0 });
    expect(totals.events).toBe(messages(25).reduce((s, p, i) => s + ([3, 17].includes(i) ? 0 : p.events), 0));
    expect(worker.sent).toHaveLength(23);
    expect(worker.parked.map((p) => p.id)).toEqual(['b0003', 'b0017']);
    expect(progress.map((p) => p.messages)).toEqual([9, 18, 23]);
    expect(totals.parkedAtStart).toEqual({ messages: 25, events: expect.any(Number) });
  });

  it('dry run: counts messages and events and changes nothing', async () => {
    const worker = fakeWorker(messages(12, [0]));
    const url = await listen(worker.server);
    const totals = await replayAll({ url, token: 'right-token', limit: 5, dryRun: true });
    expect(totals).toMatchObject({ dryRun: true, messages: 11, skipped: 1, remaining: 12 });
    expect(worker.sent).toEqual([]);
    expect(worker.parked).toHaveLength(12);
    expect(worker.requests.filter((r) => r.startsWith('POST')).every((r) => r.includes('dry_run=1'))).toBe(
      true,
    );
  });

  it('says "wrong ADMIN_TOKEN" on 401', async () => {
    const url = await listen(fakeWorker(messages(2)).server);
    await expect(replayAll({ url, token: 'nope', limit: 10, dryRun: false })).rejects.toThrow(
      /wrong ADMIN_TOKEN/,
    );
  });

  it('asks whether the Worker is running when the connection is refused', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise((r) => closed.close(r));
    servers.splice(servers.indexOf(closed), 1);
    await expect(replayAll({ url, token: 'x', limit: 10, dryRun: false })).rejects.toThrow(
      `is the Worker running at ${url}?`,
    );
  });

  it('stops on a failed page and reports what was done before it', async () => {
    const worker = fakeWorker(messages(30), { failOnPage: 2 });
    const url = await listen(worker.server);
    const failure = await replayAll({ url, token: 'right-token', limit: 10, dryRun: false }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ReplayError);
    expect((failure as ReplayError).message).toContain('queue_unavailable');
    expect((failure as ReplayError).totals).toMatchObject({ pages: 1, messages: 10 });
  });

  it('the command prints the counts and exits 0, or names the problem and exits 1', async () => {
    const worker = fakeWorker(messages(7, [2]));
    const url = await listen(worker.server);

    const dry = await command(['--url', url, '--token', 'right-token', '--dry-run', '--limit', '3']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /dry run: would replay 6 messages \(\d+ events\) · skipped 1 · remaining 7; nothing was changed/,
    );
    expect(worker.sent).toEqual([]);

    const real = await command(['--url', url, '--token', 'right-token', '--limit', '3']);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain('replayed 6 messages');
    expect(real.stdout).toContain('skipped 1 · remaining 1');
    expect(real.stdout).toContain('stay parked');
    expect(worker.sent).toHaveLength(6);

    const wrong = await command(['--url', url, '--token', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('wrong ADMIN_TOKEN');

    const badLimit = await command(['--url', url, '--token', 'right-token', '--limit', '0']);
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toContain('--limit');
  });
});

/** Runs the real command (as `npm run replay` does) without blocking the fake Worker in this process. */
function command(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', 'scripts/replay-dead-letters.ts', ...args], {
      env: { ...process.env, ADMIN_TOKEN: '', EDGEBEAR_URL: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
