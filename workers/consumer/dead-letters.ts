import type { Env } from '../env';
import { isEventBatch } from '../events/batch';
import type { EventBatchMessage } from '../events/record';
import { count, flushCounters } from '../observability/counters';

/** Stores a message that could not be inserted, keyed by its batch id (parking twice is harmless). */
export async function parkDeadLetter(db: D1Database, body: unknown, fallbackId: string): Promise<void> {
  const batchId = isEventBatch(body) ? body.batch_id : `malformed-${fallbackId}`;
  const events = isEventBatch(body) ? body.events.length : 0;
  await db
    .prepare(
      'INSERT OR IGNORE INTO dead_letters (batch_id, body, events, received_at) VALUES (?1, ?2, ?3, ?4)',
    )
    .bind(batchId, JSON.stringify(body ?? null), events, Math.floor(Date.now() / 1000))
    .run();
  count('dead_letters_total');
}

/** Consumer of the dead-letter queue: parks every message in D1, where it waits for a replay. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    await parkDeadLetter(env.DB, message.body, message.id);
    message.ack();
  }
  await flushCounters(env, true);
}

/**
 * Sends parked messages back to the events queue, keeping their batch ids so a message that did
 * reach ClickHouse after all is de-duplicated there. Removes each from D1 once it is re-queued.
 */
export async function replayDeadLetters(
  env: Pick<Env, 'DB' | 'EVENTS_QUEUE'>,
  limit = 100,
): Promise<{ replayed: number; skipped: number; remaining: number }> {
  const rows = await env.DB.prepare('SELECT batch_id, body FROM dead_letters ORDER BY received_at LIMIT ?1')
    .bind(limit)
    .all<{ batch_id: string; body: string }>();
  let replayed = 0;
  let skipped = 0;
  for (const row of rows.results) {
    const body: unknown = JSON.parse(row.body);
    if (!isEventBatch(body)) {
      skipped++;
      continue;
    }
    await env.EVENTS_QUEUE.send(body satisfies EventBatchMessage);
    await env.DB.prepare('DELETE FROM dead_letters WHERE batch_id = ?1').bind(row.batch_id).run();
    replayed++;
  }
  const left = await env.DB.prepare('SELECT count(*) AS n FROM dead_letters').first<{ n: number }>();
  return { replayed, skipped, remaining: left?.n ?? 0 };
}
