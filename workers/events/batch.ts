import type { EventBatchMessage } from './record';

/** Structural check of a queue message body before it is trusted as an event batch. */
export function isEventBatch(body: unknown): body is EventBatchMessage {
  const b = body as Partial<EventBatchMessage> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    b.v === 1 &&
    typeof b.batch_id === 'string' &&
    b.batch_id.length > 0 &&
    Array.isArray(b.events)
  );
}
