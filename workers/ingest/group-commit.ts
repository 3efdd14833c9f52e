import type { EventBatchMessage, EventRecord } from '../events/record';
import { awaitShared } from '../runtime/shared-promise';

/** Queue messages are limited to 128 KB; stay well under it, JSON overhead included. */
export const MAX_MESSAGE_BYTES = 100_000;

/** Events per message at which a group is sent before its window ends. */
export const DEFAULT_MAX_EVENTS = 50;

/** How long a request waits for its group's send beyond the window before answering 503. */
const SEND_TIMEOUT_MS = 15_000;

export interface GroupCommitOptions {
  /** How long the first event of a group waits for company before the group is sent. */
  windowMs: number;
  maxBytes?: number;
  /**
   * A group this large is sent at once, without waiting for the window: under load groups fill
   * in milliseconds, so the window only ever delays quiet traffic, never caps throughput.
   */
  maxEvents?: number;
  send: (message: EventBatchMessage) => Promise<unknown>;
  onSent?: (events: number, bytes: number) => void;
}

interface Group {
  events: EventRecord[];
  bytes: number;
  flushed: boolean;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: events from concurrent requests in one isolate travel to the Queue as one
 * message. Each request awaits the send of the group its event joined, and answers 202 only
 * after that send resolved, so an accepted event is durable. A group is sent when its window
 * ends, when it holds `maxEvents` events, or when it would outgrow the message size limit,
 * whichever comes first.
 */
export class GroupCommit {
  private open: Group | null = null;
  private readonly maxBytes: number;
  private readonly maxEvents: number;

  constructor(private readonly options: GroupCommitOptions) {
    this.maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  }

  /** Adds one event; resolves once the message carrying it is on the queue. */
  add(event: EventRecord): Promise<void> {
    const size = JSON.stringify(event).length + 1;
    if (size > this.maxBytes) return Promise.reject(new Error('event larger than a queue message'));
    if (this.open && this.open.bytes + size > this.maxBytes) this.flush(this.open);
    const group = this.open ?? this.start();
    group.events.push(event);
    group.bytes += size;
    const done = group.done;
    if (group.events.length >= this.maxEvents) this.flush(group);
    // The send runs in the context of whichever request opened or filled the group.
    return awaitShared(done, this.options.windowMs + SEND_TIMEOUT_MS, 'queue send');
  }

  private start(): Group {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Every waiter handles the rejection; this keeps an unobserved group from being reported.
    done.catch(() => {});
    const group: Group = { events: [], bytes: 0, flushed: false, done, resolve, reject };
    // The timer belongs to the request that opened the group; another request may flush the
    // group first, and must not touch this timer (timers are per-request I/O in workerd).
    setTimeout(() => this.flush(group), this.options.windowMs);
    this.open = group;
    return group;
  }

  private flush(group: Group): void {
    if (group.flushed) return;
    group.flushed = true;
    if (this.open === group) this.open = null;
    const message: EventBatchMessage = { v: 1, batch_id: crypto.randomUUID(), events: group.events };
    this.options.send(message).then(
      () => {
        this.options.onSent?.(group.events.length, group.bytes);
        group.resolve();
      },
      (error: unknown) => group.reject(error),
    );
  }
}
