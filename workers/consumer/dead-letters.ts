import { type ReadQuery, readExecutor } from '../clickhouse/read';
import { configOf } from '../config';
import type { Env } from '../env';
import { isEventBatch } from '../events/batch';
import type { EventBatchMessage } from '../events/record';
import { ApiError } from '../http/api-error';
import { count, flushCounters } from '../observability/counters';
import { log } from '../observability/log';
import { unstoredEvents } from './stored-events';

/**
 * Dead letters: messages the consumer could not insert, parked in D1 (`dead_letters`) until an
 * operator replays them (`npm run replay` → `POST /admin/dead-letters/replay`).
 *
 * Replay is at-least-once and idempotent. A replay claims the rows it is about to send (sets
 * `claimed_until`), sends them, then deletes exactly the rows it still holds. So:
 * - two replays at once never send the same message: each skips rows the other has claimed;
 * - a replay that dies between claim and delete loses nothing: its claim runs out after
 *   `REPLAY_CLAIM_SECONDS` and a later replay sends those rows again. A repeat is harmless,
 *   because a message keeps its batch id, which is the ClickHouse `insert_deduplication_token`
 *   (workers/consumer/consume.ts); a lost message is not, so every failure leans towards a repeat.
 * - the token only holds within ClickHouse's dedup window (Cloud: one hour), and a replay may come
 *   days later. So a claimed message is first checked against `events` (./stored-events.ts): one
 *   stored in full is not sent (and leaves D1), one stored in part is sent with the missing events
 *   only, under a batch id of its own (the old token might match the stored part within the window).
 * - a message whose body is no event batch (poison) is never sent: it is skipped and stays parked.
 * A replayed message goes through the consumer like any other, so its events get their visit ids
 * from the site's VisitTracker then, whatever ids the parked body holds (docs/visits.md).
 */

/** How long a replay's claim on the rows it is sending lasts (one page's sends take seconds). */
export const REPLAY_CLAIM_SECONDS = 60;
/** Rows one replay call reads: the default, and the most one call (one Worker request) may take. */
export const REPLAY_PAGE_DEFAULT = 100;
export const REPLAY_PAGE_MAX = 1000;
/** Queues' `sendBatch` takes 100 messages and 256 KB in all; bytes stay well below the limit. */
const SEND_BATCH_MESSAGES = 100;
const SEND_BATCH_BYTES = 192_000;

const encoder = new TextEncoder();

/**
 * Stores a message that could not be inserted, keyed by its batch id (parking twice is harmless).
 * Parking a message that a replay is still sending releases that replay's claim, so the replay
 * does not delete the fresh failure when its send returns.
 */
export async function parkDeadLetter(db: D1Database, body: unknown, fallbackId: string): Promise<void> {
  const batchId = isEventBatch(body) ? body.batch_id : `malformed-${fallbackId}`;
  const events = isEventBatch(body) ? body.events.length : 0;
  await db
    .prepare(
      `INSERT INTO dead_letters (batch_id, body, events, received_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (batch_id) DO UPDATE SET claimed_until = NULL`,
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
 * Where a paged replay goes on: after (received_at, batch_id), never past `until` (the time of its
 * first page), so a message that fails again and is parked anew is not chased within one run.
 */
export interface ReplayCursor {
  until: number;
  receivedAt: number;
  batchId: string;
}

/** The cursor of `ReplayOutcome.next`, or null when the text is not one. */
export function parseReplayCursor(text: string): ReplayCursor | null {
  const match = /^(\d{1,12}):(\d{1,12}):(.{1,1000})$/s.exec(text);
  if (!match?.[1] || !match[2] || !match[3]) return null;
  return { until: Number(match[1]), receivedAt: Number(match[2]), batchId: match[3] };
}

function formatCursor(cursor: ReplayCursor): string {
  return `${cursor.until}:${cursor.receivedAt}:${cursor.batchId}`;
}

export interface ReplayOptions {
  /** Rows to read in this call (1 … REPLAY_PAGE_MAX). */
  limit?: number;
  /** Count what would be replayed; send, claim and delete nothing. */
  dryRun?: boolean;
  /** `next` of the previous page; null or absent for the first. */
  cursor?: ReplayCursor | null;
}

/** One page of a replay; the wire format of `POST /admin/dead-letters/replay`. */
export interface ReplayOutcome {
  dry_run: boolean;
  /** Messages sent back to the events queue (in a dry run: that would be sent). */
  replayed: number;
  /** Events in those messages. */
  events: number;
  /** Poison messages (no event batch): never sent, they stay parked. */
  skipped: number;
  /** Messages another replay claimed between this page's read and its claim. */
  busy: number;
  /**
   * Messages whose events ClickHouse already holds (stored before they were parked; the dedup
   * window has forgotten them): not sent, removed from D1. Always 0 in a dry run, which sends
   * nothing and asks ClickHouse nothing.
   */
  stored: number;
  /** Messages parked in D1 after this page. */
  remaining: number;
  /** Cursor of the next page, or null when this run has read everything. */
  next: string | null;
}

interface ParkedRow {
  batch_id: string;
  body: string;
  received_at: number;
}

interface Replayable {
  batchId: string;
  body: EventBatchMessage;
  bytes: number;
}

/** The parked body as an event batch, or null for poison (not JSON, or not a batch). */
function eventBatch(text: string): EventBatchMessage | null {
  try {
    const body: unknown = JSON.parse(text);
    return isEventBatch(body) ? body : null;
  } catch {
    return null;
  }
}

/**
 * Replays one page of parked messages to the events queue, keeping their batch ids (see the
 * module comment for why this is safe to run twice, at once, or to interrupt).
 */
export async function replayDeadLetters(
  env: Env,
  { limit = REPLAY_PAGE_DEFAULT, dryRun = false, cursor = null }: ReplayOptions = {},
): Promise<ReplayOutcome> {
  const now = Math.floor(Date.now() / 1000);
  const from = cursor ?? { until: now, receivedAt: -1, batchId: '' };
  // One row more than the page tells whether another page follows.
  const read = await env.DB.prepare(
    `SELECT batch_id, body, received_at FROM dead_letters
      WHERE received_at <= ?1 AND (received_at, batch_id) > (?2, ?3)
        AND (claimed_until IS NULL OR claimed_until <= ?4)
      ORDER BY received_at, batch_id LIMIT ?5`,
  )
    .bind(from.until, from.receivedAt, from.batchId, now, limit + 1)
    .all<ParkedRow>();
  const rows = read.results.slice(0, limit);
  const last = rows.at(-1);
  const next =
    read.results.length > limit && last
      ? formatCursor({ until: from.until, receivedAt: last.received_at, batchId: last.batch_id })
      : null;

  const replayable: Replayable[] = [];
  for (const row of rows) {
    const body = eventBatch(row.body);
    if (body) replayable.push({ batchId: row.batch_id, body, bytes: encoder.encode(row.body).byteLength });
  }
  const skipped = rows.length - replayable.length;

  const sent = dryRun
    ? { replayed: replayable.length, events: sumEvents(replayable), busy: 0, stored: 0 }
    : await claimAndSend(env, replayable, now);
  const left = await env.DB.prepare('SELECT count(*) AS n FROM dead_letters').first<{ n: number }>();
  return { dry_run: dryRun, ...sent, skipped, remaining: left?.n ?? 0, next };
}

function sumEvents(items: readonly Replayable[]): number {
  return items.reduce((sum, item) => sum + item.body.events.length, 0);
}

/** Messages checked against ClickHouse at once. */
const CHECKS_AT_ONCE = 4;

/**
 * The message as it must be sent now: null when ClickHouse holds all its events, the missing
 * events alone under a batch id of their own when it holds some (the original token may still
 * stand for the stored part within the dedup window, and would make ClickHouse drop the rest).
 * The id is derived from the missing events, so the same remainder always gets the same token.
 */
async function withoutStored(read: ReadQuery, item: Replayable): Promise<Replayable | null> {
  const missing = await unstoredEvents(read, item.body.events);
  if (missing.length === 0) return null;
  if (missing.length === item.body.events.length) return item;
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(JSON.stringify(missing)));
  const suffix = [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const body: EventBatchMessage = {
    ...item.body,
    batch_id: `${item.body.batch_id}~${suffix}`,
    events: missing,
  };
  return { batchId: item.batchId, body, bytes: encoder.encode(JSON.stringify(body)).byteLength };
}

/** `withoutStored` for each claimed message, a few at a time; index by index. */
async function checkStored(env: Env, items: readonly Replayable[]): Promise<(Replayable | null)[]> {
  const read = readExecutor(env, { limits: configOf(env).clickhouseRead });
  const out: (Replayable | null)[] = [];
  for (let i = 0; i < items.length; i += CHECKS_AT_ONCE) {
    out.push(
      ...(await Promise.all(items.slice(i, i + CHECKS_AT_ONCE).map((item) => withoutStored(read, item)))),
    );
  }
  return out;
}

/**
 * Claims `candidates`, drops what ClickHouse already holds, sends the rest in queue-sized batches,
 * deletes each batch once sent.
 */
async function claimAndSend(
  env: Env,
  candidates: readonly Replayable[],
  now: number,
): Promise<{ replayed: number; events: number; busy: number; stored: number }> {
  if (candidates.length === 0) return { replayed: 0, events: 0, busy: 0, stored: 0 };
  // The claim's expiry is also its token: a later claim by another replay is always later still.
  const claimUntil = now + REPLAY_CLAIM_SECONDS;
  const claimed = await env.DB.prepare(
    `UPDATE dead_letters SET claimed_until = ?1
      WHERE batch_id IN (SELECT value FROM json_each(?2))
        AND (claimed_until IS NULL OR claimed_until <= ?3)
      RETURNING batch_id`,
  )
    .bind(claimUntil, JSON.stringify(candidates.map((c) => c.batchId)), now)
    .all<{ batch_id: string }>();
  const mine = new Set(claimed.results.map((row) => row.batch_id));
  const claimedItems = candidates.filter((c) => mine.has(c.batchId));

  let checked: (Replayable | null)[];
  try {
    checked = await checkStored(env, claimedItems);
  } catch (error) {
    // ClickHouse could not say what it holds: send nothing, give the rows back.
    await release(env.DB, claimedItems, claimUntil).catch(() => undefined);
    throw error;
  }
  const toSend = checked.filter((item): item is Replayable => item !== null);
  const stored = claimedItems.filter((_, i) => checked[i] === null);
  if (stored.length > 0) {
    await remove(env.DB, stored, claimUntil);
    log('info', 'dead-letter replay: messages already stored were not sent again', {
      messages: stored.length,
    });
  }

  let replayed = 0;
  let events = 0;
  const batches = sendBatches(toSend);
  for (const [i, batch] of batches.entries()) {
    try {
      await env.EVENTS_QUEUE.sendBatch(batch.map((item) => ({ body: item.body })));
    } catch (error) {
      // Give the unsent rows back at once; should that fail too, the claim runs out by itself.
      await release(env.DB, batches.slice(i).flat(), claimUntil).catch(() => undefined);
      log('error', 'dead-letter replay: the events queue refused a send', {
        replayed,
        error: error instanceof Error ? error.message.slice(0, 200) : 'unknown',
      });
      throw new ApiError(
        503,
        'queue_unavailable',
        `the events queue refused a send after ${replayed} messages were replayed; the rest stay parked`,
      );
    }
    await remove(env.DB, batch, claimUntil);
    replayed += batch.length;
    events += sumEvents(batch);
  }
  return { replayed, events, busy: candidates.length - claimedItems.length, stored: stored.length };
}

/** Deletes the rows this replay still holds: a row parked again meanwhile (its claim was cleared) stays. */
async function remove(db: D1Database, items: readonly Replayable[], claimUntil: number): Promise<void> {
  await db
    .prepare(
      'DELETE FROM dead_letters WHERE batch_id IN (SELECT value FROM json_each(?1)) AND claimed_until = ?2',
    )
    .bind(JSON.stringify(items.map((item) => item.batchId)), claimUntil)
    .run();
}

async function release(db: D1Database, items: readonly Replayable[], claimUntil: number): Promise<void> {
  await db
    .prepare(
      `UPDATE dead_letters SET claimed_until = NULL
        WHERE batch_id IN (SELECT value FROM json_each(?1)) AND claimed_until = ?2`,
    )
    .bind(JSON.stringify(items.map((item) => item.batchId)), claimUntil)
    .run();
}

/** Splits messages into `sendBatch` calls the queue accepts (message count and total bytes). */
function sendBatches(items: readonly Replayable[]): Replayable[][] {
  const batches: Replayable[][] = [];
  let current: Replayable[] = [];
  let bytes = 0;
  for (const item of items) {
    if (
      current.length >= SEND_BATCH_MESSAGES ||
      (current.length > 0 && bytes + item.bytes > SEND_BATCH_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
