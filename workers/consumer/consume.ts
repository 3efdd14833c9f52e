import type { ClickHouseSettings } from '@clickhouse/client-web';
import { clickhouse, isPermanentInsertError } from '../clickhouse/client';
import { configOf } from '../config';
import type { Env } from '../env';
import { isEventBatch } from '../events/batch';
import type { EventBatchMessage } from '../events/record';
import { count, flushCounters } from '../observability/counters';
import { log } from '../observability/log';
import { reportError } from '../observability/sentry';
import { assignVisitIds } from '../visits/assign';
import { parkDeadLetter } from './dead-letters';

/**
 * Settings that make an insert idempotent. Queues deliver at least once, so the same message
 * can be inserted twice; the token (the message's batch id) makes ClickHouse drop the repeat in
 * `events`, and `deduplicate_blocks_in_dependent_materialized_views` keeps the rollups fed from it
 * from counting it twice (docs/clickhouse.md).
 *
 * Async inserts (`CLICKHOUSE_ASYNC_INSERT=1`, the default) let ClickHouse buffer many small
 * inserts into few parts; waiting for the flush keeps "acked" meaning "stored". ClickHouse
 * before 26.1 refuses async inserts together with view de-duplication (code 344): set the var to
 * 0 there, and the same guarantees hold with synchronous inserts.
 */
export function insertSettings(batchId: string, asyncInsert: boolean): ClickHouseSettings {
  return {
    insert_deduplicate: 1,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    insert_deduplication_token: batchId,
    ...(asyncInsert
      ? { async_insert: 1, wait_for_async_insert: 1, async_insert_deduplicate: 1 }
      : { async_insert: 0 }),
  };
}

/** Retry delay after `attempts` deliveries: 2, 4, 8, … seconds, capped at 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(300, 2 ** Math.max(1, attempts));
}

/**
 * The queue consumer: one idempotent insert per message, run concurrently. First every event of
 * the batch gets its visit id, with one VisitTracker call per site shard for the whole batch
 * (workers/visits/assign.ts). A message is acked only after ClickHouse confirmed its rows; a
 * transient failure (ClickHouse, or the visit tracker of one of its shards) retries that message
 * alone with backoff (and after max_retries the queue moves it to the dead-letter queue); rows
 * ClickHouse refuses as malformed are parked at once, so one poison message never holds up the
 * others. A message delivered again gets the same visit ids, so its dedup token still holds.
 */
export async function consumeEvents(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
): Promise<void> {
  const client = clickhouse(env);
  const config = configOf(env);
  const valid: { message: Message<unknown>; body: EventBatchMessage }[] = [];
  const parked: Promise<void>[] = [];
  for (const message of batch.messages) {
    const body = message.body;
    if (!isEventBatch(body)) {
      log('error', 'malformed queue message parked', { id: message.id });
      parked.push(
        parkDeadLetter(env.DB, body, message.id).then(() => {
          count('consumer_messages_total', 1, { outcome: 'malformed' });
          message.ack();
        }),
      );
    } else if (body.events.length === 0) {
      message.ack();
    } else {
      valid.push({ message, body });
    }
  }

  const retry = (message: Message<unknown>, body: EventBatchMessage, reason: string, error: unknown) => {
    const delaySeconds = retryDelaySeconds(message.attempts);
    log('warn', `${reason}, will retry`, {
      batch_id: body.batch_id,
      attempts: message.attempts,
      delaySeconds,
      error: error instanceof Error ? error.message.slice(0, 200) : 'unknown',
    });
    count('consumer_retries_total');
    message.retry({ delaySeconds });
  };

  const inserted = (async () => {
    if (valid.length === 0) return;
    const untracked = await assignVisitIds(
      env.VISIT_TRACKER,
      config.visitShards,
      valid.map((v) => v.body),
    );
    await Promise.all(
      valid.map(async ({ message, body }) => {
        if (untracked.has(body)) {
          retry(message, body, 'visit ids unavailable', undefined);
          return;
        }
        try {
          await client.insert({
            table: 'events',
            values: body.events,
            format: 'JSONEachRow',
            clickhouse_settings: insertSettings(body.batch_id, config.clickhouseAsyncInsert),
          });
          count('rows_inserted_total', body.events.length);
          count('consumer_messages_total', 1, { outcome: 'inserted' });
          message.ack();
        } catch (error) {
          count('insert_failures_total');
          if (isPermanentInsertError(error)) {
            log('error', 'rows refused by ClickHouse, message parked', { batch_id: body.batch_id });
            ctx.waitUntil(reportError(env, ctx, error, { stage: 'consumer' }));
            await parkDeadLetter(env.DB, body, body.batch_id);
            count('consumer_messages_total', 1, { outcome: 'parked' });
            message.ack();
            return;
          }
          retry(message, body, 'insert failed', error);
        }
      }),
    );
  })();
  await Promise.all([...parked, inserted]);
  await flushCounters(env, true);
}
