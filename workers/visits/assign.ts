import type { EventBatchMessage, EventRecord } from '../events/record';
import { count } from '../observability/counters';
import { log } from '../observability/log';
import type { TrackedEvent } from './tracker';

/**
 * What the consumer needs from the `VISIT_TRACKER` namespace: a shard's object, by name.
 * `DurableObjectNamespace<VisitTracker>` is the one real implementation; tests wrap it to count
 * calls or inject faults.
 */
export interface VisitSource {
  getByName(name: string): { assign(events: TrackedEvent[]): Promise<string[]> };
}

const MAX_U64 = (1n << 64n) - 1n;

/**
 * How long the consumer waits for a shard's answer before retrying its messages. A call is local
 * SQLite work on one batch's events (milliseconds); an object that takes this long is stuck, and a
 * late answer is harmless: the retry gets the same ids.
 */
export const TRACKER_TIMEOUT_MS = 10_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The visitor id as a UInt64, or null when the text is not one (ClickHouse will refuse the row). */
function visitorOf(text: unknown): bigint | null {
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) return null;
  const value = BigInt(text);
  return value <= MAX_U64 ? value : null;
}

/** The object that keeps a visitor's visits: one per (site, visitor mod shards). */
export function trackerName(siteId: number, visitor: bigint, shards: number): string {
  return `${siteId}:${visitor % BigInt(shards)}`;
}

interface ShardCall {
  name: string;
  events: TrackedEvent[];
  /** The records whose session_id the answer fills, in the order of `events`. */
  records: EventRecord[];
  bodies: Set<EventBatchMessage>;
}

/**
 * Sets `session_id` of every event of `bodies` by the 30-minute rule, with one VisitTracker call
 * per site shard (concurrently), never one per event or per message. Returns the messages that
 * had events in a shard whose call failed: the consumer retries them and inserts nothing of them.
 * The others' ids are already final, and a retried message gets the same ids again (the rule is
 * idempotent), so retrying a whole message is safe even when some of its shards answered.
 *
 * Events whose visitor id or time is not valid keep the id they came with: the insert refuses
 * them and parks their message, as before.
 */
export async function assignVisitIds(
  source: VisitSource,
  shards: number,
  bodies: readonly EventBatchMessage[],
): Promise<Set<EventBatchMessage>> {
  const calls = new Map<string, ShardCall>();
  for (const body of bodies) {
    for (const record of body.events) {
      const visitor = visitorOf(record.visitor_id);
      if (visitor === null || typeof record.site_id !== 'number' || !Number.isFinite(record.timestamp)) {
        continue;
      }
      const name = trackerName(record.site_id, visitor, shards);
      let call = calls.get(name);
      if (!call) {
        call = { name, events: [], records: [], bodies: new Set() };
        calls.set(name, call);
      }
      call.events.push({ visitor: record.visitor_id, timestamp: record.timestamp * 1000 });
      call.records.push(record);
      call.bodies.add(body);
    }
  }

  const failed = new Set<EventBatchMessage>();
  await Promise.all(
    [...calls.values()].map(async (call) => {
      count('visit_tracker_calls_total');
      try {
        const ids = await withTimeout(source.getByName(call.name).assign(call.events), TRACKER_TIMEOUT_MS);
        if (ids.length !== call.records.length)
          throw new Error(`${ids.length} ids for ${call.records.length} events`);
        call.records.forEach((record, i) => {
          record.session_id = ids[i] ?? record.session_id;
        });
      } catch (error) {
        count('visit_tracker_failures_total');
        log('warn', 'visit tracker call failed, its messages will retry', {
          tracker: call.name,
          events: call.events.length,
          error: error instanceof Error ? error.message.slice(0, 200) : 'unknown',
        });
        for (const body of call.bodies) failed.add(body);
      }
    }),
  );
  return failed;
}
