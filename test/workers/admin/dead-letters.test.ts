import { beforeEach, describe, expect, it } from 'vitest';
import { parkDeadLetter } from '../../../workers/consumer/dead-letters';
import type { EventBatchMessage } from '../../../workers/events/record';
import { blankEvent } from '../../fixtures/event-record';
import { rows, testEnv, waitForRows, workerFetch } from '../helpers/stack';

let nextSite = 950_000 + Math.floor(Math.random() * 40_000);

function batch(siteId: number, events: number): EventBatchMessage {
  return {
    v: 1,
    batch_id: crypto.randomUUID(),
    events: Array.from({ length: events }, (_, i) => ({
      ...blankEvent(),
      site_id: siteId,
      timestamp: Math.floor(Date.now() / 1000),
      visitor_id: '12345678901234567890',
      session_id: '98765432109876543210',
      hostname: 'replay.example',
      pathname: `/replayed/${i}`,
    })),
  };
}

function replay(query = ''): Promise<Response> {
  return workerFetch(`/admin/dead-letters/replay${query}`, {
    method: 'POST',
    headers: { authorization: 'Bearer test-admin-token' },
  });
}

async function parked(): Promise<{ batch_id: string; body: string; claimed_until: number | null }[]> {
  const result = await testEnv.DB.prepare(
    'SELECT batch_id, body, claimed_until FROM dead_letters ORDER BY batch_id',
  ).all<{ batch_id: string; body: string; claimed_until: number | null }>();
  return result.results;
}

async function countRows(siteId: number): Promise<number> {
  const [row] = await rows<{ n: string }>('SELECT count() AS n FROM events WHERE site_id = {s:UInt32}', {
    s: siteId,
  });
  return Number(row?.n ?? 0);
}

/** Two messages (3 + 2 events) and one poison message that is no event batch at all. */
async function parkThree(siteId: number) {
  const first = batch(siteId, 3);
  const second = batch(siteId, 2);
  await parkDeadLetter(testEnv.DB, first, 'm1');
  await parkDeadLetter(testEnv.DB, second, 'm2');
  await parkDeadLetter(testEnv.DB, { not: 'a batch' }, 'poison-1');
  return { first, second };
}

describe('POST /admin/dead-letters/replay', () => {
  beforeEach(async () => {
    await testEnv.DB.prepare('DELETE FROM dead_letters').run();
  });

  it('dry run: counts what would be replayed and changes nothing', async () => {
    const site = nextSite++;
    await parkThree(site);
    const before = await parked();

    const res = await replay('?dry_run=1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      dry_run: true,
      replayed: 2,
      events: 5,
      skipped: 1,
      busy: 0,
      stored: 0,
      remaining: 3,
      next: null,
    });
    expect(await parked()).toEqual(before);
    // Nothing reached the queue: the consumer (1 s batch timeout) would have inserted by now.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await countRows(site)).toBe(0);
  });

  it('replay: sends every batch back to the events queue and removes it from D1', async () => {
    const site = nextSite++;
    const { first, second } = await parkThree(site);

    const res = await replay();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      dry_run: false,
      replayed: 2,
      events: 5,
      skipped: 1,
      busy: 0,
      stored: 0,
      remaining: 1,
      next: null,
    });
    const stored = await waitForRows(
      'SELECT pathname FROM events WHERE site_id = {s:UInt32}',
      { s: site },
      5,
    );
    expect(stored).toHaveLength(5);
    const left = (await parked()).map((row) => row.batch_id);
    expect(left).not.toContain(first.batch_id);
    expect(left).not.toContain(second.batch_id);

    // Replaying again finds nothing new to send, and ClickHouse still holds one set of rows.
    expect(await (await replay()).json()).toMatchObject({ replayed: 0, skipped: 1, remaining: 1 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await countRows(site)).toBe(5);
  });

  it('a poison message is skipped and stays parked as it was', async () => {
    await parkDeadLetter(testEnv.DB, { not: 'a batch' }, 'poison-2');
    const before = await parked();
    expect(before).toHaveLength(1);
    for (let i = 0; i < 2; i++) {
      const body = await (await replay()).json();
      expect(body).toMatchObject({ replayed: 0, events: 0, skipped: 1, remaining: 1, next: null });
    }
    expect(await parked()).toEqual(before);
  });

  it('pages with a cursor that moves past skipped messages, so a loop ends', async () => {
    const site = nextSite++;
    await parkThree(site);
    let cursor: string | null = null;
    const totals = { pages: 0, replayed: 0, events: 0, skipped: 0 };
    do {
      const query: string = `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await (await replay(query)).json()) as {
        replayed: number;
        events: number;
        skipped: number;
        next: string | null;
      };
      totals.pages++;
      totals.replayed += page.replayed;
      totals.events += page.events;
      totals.skipped += page.skipped;
      cursor = page.next;
    } while (cursor !== null && totals.pages < 10);
    expect(totals).toEqual({ pages: 3, replayed: 2, events: 5, skipped: 1 });
    expect(await parked()).toHaveLength(1);
    expect(await waitForRows('SELECT 1 FROM events WHERE site_id = {s:UInt32}', { s: site }, 5)).toHaveLength(
      5,
    );
  });

  it('refuses a bad limit, cursor or dry_run with 400', async () => {
    for (const query of [
      '?limit=0',
      '?limit=abc',
      '?limit=1001',
      '?limit=2.5',
      '?cursor=garbage',
      '?dry_run=maybe',
    ]) {
      const res = await replay(query);
      expect(res.status, query).toBe(400);
      expect(await res.json()).toEqual({ error: { code: 'invalid_parameter', message: expect.any(String) } });
    }
  });
});
