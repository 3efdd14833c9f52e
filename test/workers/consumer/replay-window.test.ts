import { describe, expect, it } from 'vitest';
import { clickhouse } from '../../../workers/clickhouse/client';
import { insertSettings } from '../../../workers/consumer/consume';
import { parkDeadLetter } from '../../../workers/consumer/dead-letters';
import type { EventBatchMessage, EventRecord } from '../../../workers/events/record';
import { blankEvent } from '../../fixtures/event-record';
import { rows, testEnv, waitForRows, workerFetch } from '../helpers/stack';

/**
 * Dead letters replayed after ClickHouse's dedup window has gone by (ClickHouse Cloud: one hour)
 * must not be stored twice. The window cannot be shrunk here without changing it for every other
 * test, so "two hours later" is staged the way the server would see it then: the rows went in
 * under a deduplication token ClickHouse no longer recognises when the parked message comes back.
 */

let nextSite = 990_000 + Math.floor(Math.random() * 9_000);

function events(siteId: number, count: number, from = 0): EventRecord[] {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => ({
    ...blankEvent(),
    site_id: siteId,
    timestamp: now,
    visitor_id: String(1_000_000 + ((from + i) % 3)),
    session_id: '42',
    hostname: 'window.example',
    pathname: `/page/${from + i}`,
  }));
}

/** The insert that reached ClickHouse while the consumer saw only failures, its token long forgotten. */
async function storedLongAgo(batchId: string, values: EventRecord[]): Promise<void> {
  await clickhouse(testEnv).insert({
    table: 'events',
    values,
    format: 'JSONEachRow',
    clickhouse_settings: insertSettings(`${batchId}@two-hours-ago`, false),
  });
}

function replay(): Promise<Response> {
  return workerFetch('/admin/dead-letters/replay?limit=1000', {
    method: 'POST',
    headers: { authorization: 'Bearer test-admin-token' },
  });
}

/** What the site holds: raw events, and the rollups' view of them. */
async function counts(siteId: number) {
  const [row] = await rows<{ events: string; usage: string; pageviews: string }>(
    `SELECT
       (SELECT count() FROM events WHERE site_id = {s:UInt32}) AS events,
       (SELECT sum(events) FROM usage_hourly WHERE site_id = {s:UInt32}) AS usage,
       (SELECT sum(pageviews) FROM pages_hourly WHERE site_id = {s:UInt32}) AS pageviews`,
    { s: siteId },
  );
  return { events: Number(row?.events), usage: Number(row?.usage), pageviews: Number(row?.pageviews) };
}

describe('dead-letter replay beyond the dedup window', () => {
  it('stores each event once: a stored message is not sent again, a half-stored one sends only the rest', async () => {
    const site = nextSite++;
    // Stored in full before it was parked.
    const whole: EventBatchMessage = { v: 1, batch_id: crypto.randomUUID(), events: events(site, 4) };
    // Two of its five events stored (the rest of a split insert never arrived).
    const half: EventBatchMessage = { v: 1, batch_id: crypto.randomUUID(), events: events(site, 5, 10) };
    // Never stored.
    const fresh: EventBatchMessage = { v: 1, batch_id: crypto.randomUUID(), events: events(site, 3, 20) };
    await storedLongAgo(whole.batch_id, whole.events);
    await storedLongAgo(half.batch_id, half.events.slice(0, 2));
    for (const body of [whole, half, fresh]) await parkDeadLetter(testEnv.DB, body, body.batch_id);

    const res = await replay();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ replayed: 2, stored: 1, events: 6 });

    await waitForRows('SELECT 1 FROM events WHERE site_id = {s:UInt32}', { s: site }, 12);
    // Anything sent twice would land by now.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await counts(site)).toEqual({ events: 12, usage: 12, pageviews: 12 });
    const paths = await rows<{ pathname: string }>(
      'SELECT pathname FROM events WHERE site_id = {s:UInt32} ORDER BY pathname',
      { s: site },
    );
    expect(paths.map((p) => p.pathname)).toEqual(
      [...whole.events, ...half.events, ...fresh.events].map((e) => e.pathname).sort(),
    );
    const left = await testEnv.DB.prepare(
      'SELECT count(*) AS n FROM dead_letters WHERE batch_id IN (?1, ?2, ?3)',
    )
      .bind(whole.batch_id, half.batch_id, fresh.batch_id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it('an event twice in one message is stored twice, once each, even when one copy was stored', async () => {
    const site = nextSite++;
    const [event] = events(site, 1);
    if (!event) throw new Error('no event');
    const body: EventBatchMessage = { v: 1, batch_id: crypto.randomUUID(), events: [event, { ...event }] };
    await storedLongAgo(body.batch_id, [event]);
    await parkDeadLetter(testEnv.DB, body, body.batch_id);

    expect(await (await replay()).json()).toMatchObject({ replayed: 1, events: 1 });
    await waitForRows('SELECT 1 FROM events WHERE site_id = {s:UInt32}', { s: site }, 2);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await counts(site)).toEqual({ events: 2, usage: 2, pageviews: 2 });
  });
});
