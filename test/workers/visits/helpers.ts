import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { consumeEvents } from '../../../workers/consumer/consume';
import type { Env } from '../../../workers/env';
import type { EventBatchMessage, EventRecord } from '../../../workers/events/record';
import { testEnv } from '../helpers/stack';
import { event } from '../stats/fixtures';

/** A queue message as ingest's group commit writes it. */
export function message(events: EventRecord[], batchId: string = crypto.randomUUID()): EventBatchMessage {
  return { v: 1, batch_id: batchId, events };
}

/**
 * One event as ingest sends it: the visit id is a placeholder the consumer replaces. `at` is an
 * ISO instant in UTC.
 */
export function sent(
  siteId: number,
  at: string,
  fields: Partial<EventRecord> & { visitor: number },
): EventRecord {
  return event(siteId, at, { ...fields, session: 0 });
}

/**
 * Runs the real consumer on one MessageBatch of `bodies`; returns which messages it acked and
 * retried, and the bodies as the consumer left them (with the visit ids it wrote).
 */
export async function consume(
  bodies: unknown[],
  env: Env = testEnv,
  attempts = 1,
): Promise<{ acked: string[]; retried: string[]; bodies: EventBatchMessage[] }> {
  const batch = createMessageBatch(
    'edgebear-events',
    bodies.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await consumeEvents(batch, env, ctx);
  const result = await getQueueResult(batch, ctx);
  return {
    acked: [...result.explicitAcks].sort(),
    retried: result.retryMessages.map((m) => m.msgId).sort(),
    bodies: batch.messages.map((m) => m.body as EventBatchMessage),
  };
}
