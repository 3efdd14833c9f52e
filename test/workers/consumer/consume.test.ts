import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { consumeEvents, retryDelaySeconds } from '../../../workers/consumer/consume';
import { consumeDeadLetters, replayDeadLetters } from '../../../workers/consumer/dead-letters';
import type { Env } from '../../../workers/env';
import type { EventBatchMessage, EventRecord } from '../../../workers/events/record';
import { blankEvent } from '../../fixtures/event-record';
import { rows, testEnv, waitForRows } from '../helpers/stack';

let nextSite = 900_000 + Math.floor(Math.random() * 50_000);

function record(siteId: number, overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    ...blankEvent(),
    site_id: siteId,
    timestamp: Math.floor(Date.now() / 1000),
    visitor_id: '12345678901234567890',
    session_id: '98765432109876543210',
    hostname: 'consumer.example',
    channel: 'Direct',
    country: 'DE',
    region: 'DE-BE',
    city: 'Berlin',
    device: 'Desktop',
    browser: 'Firefox',
    browser_version: '133',
    os: 'Linux',
    ...overrides,
  };
}

function message(siteId: number, events = 3, batchId = crypto.randomUUID()): EventBatchMessage {
  return {
    v: 1,
    batch_id: batchId,
    events: Array.from({ length: events }, (_, i) => record(siteId, { pathname: `/p${i}` })),
  };
}

async function consume(bodies: unknown[], env: Env = testEnv, attempts = 1) {
  const batch = createMessageBatch(
    'edgebear-events',
    bodies.map((body, i) => ({
      id: `msg-${i}-${crypto.randomUUID()}`,
      timestamp: new Date(),
      attempts,
      body,
    })),
  );
  // The queue result records that a message was retried, not the delay asked for: observe it.
  const delays: (number | undefined)[] = [];
  const observed = {
    ...batch,
    queue: batch.queue,
    messages: batch.messages.map((m) =>
      Object.assign(Object.create(Object.getPrototypeOf(m)) as Message<unknown>, {
        id: m.id,
        timestamp: m.timestamp,
        attempts: m.attempts,
        body: m.body,
        ack: () => m.ack(),
        retry: (options?: QueueRetryOptions) => {
          delays.push(options?.delaySeconds);
          m.retry(options);
        },
      }),
    ),
    ackAll: () => batch.ackAll(),
    retryAll: (options?: QueueRetryOptions) => batch.retryAll(options),
  } as MessageBatch<unknown>;
  const ctx = createExecutionContext();
  await consumeEvents(observed, env, ctx);
  return { batch, delays, result: await getQueueResult(batch, ctx) };
}

async function countRows(siteId: number): Promise<number> {
  const [row] = await rows<{ n: string }>('SELECT count() AS n FROM events WHERE site_id = {s:UInt32}', {
    s: siteId,
  });
  return Number(row?.n ?? 0);
}

describe('queue consumer', () => {
  it('inserts every message and acks it only after ClickHouse confirmed', async () => {
    const site = nextSite++;
    const { batch, result } = await consume([message(site, 3), message(site, 2)]);
    expect(result.explicitAcks.sort()).toEqual(batch.messages.map((m) => m.id).sort());
    expect(result.retryMessages).toEqual([]);
    expect(await countRows(site)).toBe(5);
  });

  it('stores one set of rows when the same message is delivered twice', async () => {
    const site = nextSite++;
    const body = message(site, 4);
    await consume([body]);
    await consume([body], testEnv, 2);
    await consume([structuredClone(body)], testEnv, 3);
    expect(await countRows(site)).toBe(4);
  });

  it('retries with backoff when ClickHouse is unreachable, acking nothing', async () => {
    const site = nextSite++;
    const down = { ...testEnv, CLICKHOUSE_URL: 'http://127.0.0.1:9' } as Env;
    const { result, delays } = await consume([message(site), message(site)], down, 3);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(2);
    expect(delays).toEqual([retryDelaySeconds(3), retryDelaySeconds(3)]);
    expect(await countRows(site)).toBe(0);
  });

  it('backs off exponentially up to five minutes', () => {
    expect([1, 2, 3, 4, 8, 9, 20].map(retryDelaySeconds)).toEqual([2, 4, 8, 16, 256, 300, 300]);
  });

  it('parks a poison message and still inserts the others of its batch', async () => {
    const site = nextSite++;
    const poison = message(site, 2);
    (poison.events[1] as unknown as Record<string, unknown>).timestamp = 'not a time at all';
    const good = message(site, 3);
    const { batch, result } = await consume([poison, good, { not: 'a batch' }]);
    expect(result.explicitAcks).toHaveLength(3);
    expect(result.retryMessages).toEqual([]);
    expect(batch.messages).toHaveLength(3);
    expect(await countRows(site)).toBe(3);
    const parked = await testEnv.DB.prepare('SELECT batch_id, events FROM dead_letters WHERE batch_id = ?1')
      .bind(poison.batch_id)
      .first<{ batch_id: string; events: number }>();
    expect(parked).toEqual({ batch_id: poison.batch_id, events: 2 });
  });

  it('parks dead-lettered messages in D1 and replays them to the events queue once', async () => {
    const site = nextSite++;
    const body = message(site, 2);
    const batch = createMessageBatch('edgebear-events-dlq', [
      { id: 'dlq-1', timestamp: new Date(), attempts: 1, body },
      { id: 'dlq-2', timestamp: new Date(), attempts: 1, body },
    ]);
    await consumeDeadLetters(batch, testEnv);
    const parked = await testEnv.DB.prepare('SELECT count(*) AS n FROM dead_letters WHERE batch_id = ?1')
      .bind(body.batch_id)
      .first<{ n: number }>();
    expect(parked?.n).toBe(1);

    const outcome = await replayDeadLetters(testEnv);
    expect(outcome.replayed).toBeGreaterThanOrEqual(1);
    // The real queue delivers the replayed message to the consumer, which inserts it once.
    const stored = await waitForRows(
      'SELECT pathname FROM events WHERE site_id = {s:UInt32}',
      { s: site },
      2,
    );
    expect(stored).toHaveLength(2);
    const left = await testEnv.DB.prepare('SELECT count(*) AS n FROM dead_letters WHERE batch_id = ?1')
      .bind(body.batch_id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});
