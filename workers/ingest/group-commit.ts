import type { EventBatchMessage, EventRecord } from '../events/record';
import { awaitShared } from '../runtime/shared-promise';
import { utf8Length } from './utf8';

/**
 * The most UTF-8 bytes a message may have, envelope included. Queues refuse a message over
 * 128 KB (128,000 bytes, JSON as sent) and add about 100 bytes of their own; this stays well under.
 */
export const MAX_MESSAGE_BYTES = 100_000;

/** Events per message at which a group is sent before its window ends. */
export const DEFAULT_MAX_EVENTS = 50;

/**
 * When the first member of a group first looks whether it was sent. Later members, and later looks,
 * wait as long as the group should take to fill at the rate it is filling, plus a send (see
 * `nextLook`), and at least twice their previous nap.
 */
const FIRST_LOOK_MS = 25;

/** How long a request waits for its group's send, once started, before answering 503. */
const SEND_TIMEOUT_MS = 15_000;

/**
 * Bytes of a message without its events: `{"v":1,"batch_id":"<36-char uuid>","events":[]}` is 69;
 * the rest is room for a format change that forgets to update this.
 */
const ENVELOPE_BYTES = 100;

export interface GroupCommitOptions {
  /** How long the first event of a group waits for company before the group is sent. */
  windowMs: number;
  /** UTF-8 bytes a message may have, envelope included. Default {@link MAX_MESSAGE_BYTES}. */
  maxBytes?: number;
  /**
   * A group this large is sent at once, without waiting for the window: under load groups fill
   * in milliseconds, so the window only ever delays quiet traffic, never caps throughput.
   */
  maxEvents?: number;
  send: (message: EventBatchMessage) => Promise<unknown>;
  onSent?: (events: number, bytes: number) => void;
  /** Clock (epoch ms), injectable for tests. Default `Date.now`. */
  now?: () => number;
}

interface Group {
  events: EventRecord[];
  /** UTF-8 bytes of each event's JSON, in `events` order. */
  sizes: number[];
  bytes: number;
  /** Epoch ms at which the group opened, and at which it is due to be sent (its window's end). */
  openedAt: number;
  dueAt: number;
  /**
   * The send, once a member started it: settles (never rejects) when every part of the group was
   * sent or refused. Created by the request that sends, so it also resolves in that request.
   */
  sent: Promise<void> | null;
  /** True once `sent` has settled: a member that wakes after that has nothing left to wait for. */
  settled: boolean;
  /** Why an event was not sent, by its index. */
  failures: Map<number, unknown>;
}

/**
 * Whether a failed send was refused for its size, so smaller messages may pass. Production
 * Queues say so in the message ("message length of … bytes exceeds limit of 128000 (…)"). Errors
 * of another kind (the queue is down, sends are throttled) are not split: more messages would
 * only add load. The local queue answers an oversized message with an opaque "Unknown Internal
 * Error", so locally only the byte count keeps messages in bounds.
 */
function isTooLarge(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /too large|too big|exceeds|size|length|413/i.test(message) && !/429|too many|rate/i.test(message);
}

/**
 * Group commit: events from concurrent requests in one isolate travel to the Queue as one
 * message. Each request awaits the send of the group its event joined, and answers 202 only
 * after that send resolved, so an accepted event is durable. A group is sent when its window
 * ends, when it holds `maxEvents` events, or before it would outgrow `maxBytes` of UTF-8 (as
 * Queues measure a message), whichever comes first.
 *
 * Should the queue still refuse a message for its size, the group is split in halves and each
 * half resent, recursively, so only an event too large on its own fails: one visitor's content
 * never takes other visitors' events down with it.
 *
 * Who sends: always a request whose event is in the group — the one that fills it, or the first
 * whose own timer sees the window end. In workerd a request may await a promise that another
 * request created and settles, but settling a promise that another request created fails ("Cannot
 * perform I/O on behalf of a different request", seen in test/workers/ingest/front-door.test.ts
 * with more concurrent events than a group holds), and a request's I/O ends with it. So no request
 * resolves anything for another: the sender creates the send's promise, and each member, woken by
 * its own timer, awaits it.
 *
 * Timers are the cost of that rule, so each request keeps to about one (they showed in the ingest
 * profile): a member sleeps until its group should be full and sent, judged from how fast the group
 * is filling and how long sends take, and if the send has settled by then it waits for nothing more.
 * Only a member that wakes while the send is in flight, or the request that sends, keeps a timer
 * for the send's timeout.
 */
export class GroupCommit {
  private open: Group | null = null;
  private readonly maxBytes: number;
  private readonly maxEvents: number;
  private readonly now: () => number;
  /** How long a send takes here, a moving average (ms), so members wake after it rather than during. */
  private sendMs = 0;

  constructor(private readonly options: GroupCommitOptions) {
    this.maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.now = options.now ?? Date.now;
  }

  /** Adds one event; resolves once the message carrying it is on the queue. */
  async add(event: EventRecord): Promise<void> {
    // The comma before every event but the first: counting it for all overstates by one byte.
    const size = utf8Length(JSON.stringify(event)) + 1;
    if (ENVELOPE_BYTES + size > this.maxBytes) throw new Error('event larger than a queue message');
    // A group this event would overfill closes; its own members send it when its window ends.
    if (this.open && ENVELOPE_BYTES + this.open.bytes + size > this.maxBytes) this.open = null;
    let group = this.open;
    const joinedAt = this.now();
    if (!group) {
      group = {
        events: [],
        sizes: [],
        bytes: 0,
        openedAt: joinedAt,
        dueAt: joinedAt + this.options.windowMs,
        sent: null,
        settled: false,
        failures: new Map(),
      };
      this.open = group;
    }
    const index = group.events.length;
    group.events.push(event);
    group.sizes.push(size);
    group.bytes += size;
    if (group.events.length >= this.maxEvents) this.send(group);

    // This request's own timer keeps it alive and wakes it to look, at the latest when the window
    // ends, when the first member to wake sends the group.
    let nap = 0;
    while (group.sent === null) {
      nap = this.nextLook(group, nap);
      await sleep(Math.max(1, Math.min(nap, group.dueAt - this.now())));
      if (group.sent === null && this.now() >= group.dueAt) this.send(group);
    }
    if (!group.settled) await awaitShared(group.sent, SEND_TIMEOUT_MS, 'queue send');
    if (group.failures.has(index)) throw group.failures.get(index);
  }

  /**
   * How long a member of `group` naps before it looks again: until the group should be full at the
   * rate it has been filling, plus a send, and at least twice its previous nap (so a group that
   * stops filling costs a member a handful of wakeups before its window ends, not one per guess).
   */
  private nextLook(group: Group, previous: number): number {
    const arrivals = group.events.length - 1;
    const elapsed = this.now() - group.openedAt;
    let nap = FIRST_LOOK_MS;
    if (arrivals > 0 && elapsed > 0) {
      const toFill = ((this.maxEvents - group.events.length) * elapsed) / arrivals;
      nap = toFill + this.sendMs + 2;
    }
    return Math.max(nap, previous * 2, 1);
  }

  /** Sends a group from the calling request, once. */
  private send(group: Group): void {
    if (group.sent) return;
    if (this.open === group) this.open = null;
    const started = this.now();
    group.sent = this.sendPart(group, 0, group.events.length).then(() => {
      group.settled = true;
      this.sendMs = (this.sendMs + (this.now() - started)) / 2;
    });
  }

  /** Sends events [start, end) of a group as one message, halving it while the queue says it is too large. */
  private async sendPart(group: Group, start: number, end: number): Promise<void> {
    const events = group.events.slice(start, end);
    try {
      // Each message, a resent half too, has its own batch id: the id is its insert's dedup token.
      await this.options.send({ v: 1, batch_id: crypto.randomUUID(), events });
      let bytes = ENVELOPE_BYTES;
      for (let i = start; i < end; i++) bytes += group.sizes[i] ?? 0;
      this.options.onSent?.(events.length, bytes);
    } catch (error) {
      if (end - start > 1 && isTooLarge(error)) {
        const middle = start + Math.ceil((end - start) / 2);
        await Promise.all([this.sendPart(group, start, middle), this.sendPart(group, middle, end)]);
        return;
      }
      for (let i = start; i < end; i++) group.failures.set(i, error);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
