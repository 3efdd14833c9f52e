/**
 * The local Stripe's state: every object it created, the events it sent with their delivery
 * attempts, and the idempotency keys it answered. In memory; with a state file it is written
 * after each change and read back on start, so `npm run dev` restarts keep customers and
 * subscriptions the Worker's D1 still refers to.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  CheckoutSession,
  Customer,
  Interval,
  Invoice,
  LineItem,
  PortalSession,
  StripeEvent,
  Subscription,
} from './objects';

export interface CheckoutRecord {
  session: CheckoutSession;
  lineItems: LineItem[];
  /** `subscription_data[metadata]`: what the subscription created on Pay carries. */
  subscriptionMetadata: Record<string, string>;
  interval: Interval;
}

export interface DeliveryAttempt {
  /** unix ms */
  at: number;
  /** The Worker's HTTP status, or null when the connection failed. */
  status: number | null;
  error?: string;
}

export interface EventRecord {
  event: StripeEvent;
  attempts: DeliveryAttempt[];
  delivered: boolean;
}

export interface IdempotencyRecord {
  method: string;
  path: string;
  /** The request body as sent: a key reused with other parameters is refused, as Stripe does. */
  body: string;
  status: number;
  response: string;
  /** unix ms; keys expire after 24 hours like Stripe's. */
  at: number;
}

export interface StripeState {
  customers: Record<string, Customer>;
  checkoutSessions: Record<string, CheckoutRecord>;
  subscriptions: Record<string, Subscription>;
  invoices: Record<string, Invoice>;
  portalSessions: Record<string, PortalSession>;
  events: EventRecord[];
  idempotency: Record<string, IdempotencyRecord>;
}

/** Bounds for a long-running `npm run dev`: the oldest events and keys are forgotten first. */
const MAX_EVENTS = 2_000;
const MAX_IDEMPOTENCY_KEYS = 5_000;
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Changes within this window are written to the state file once. */
const WRITE_DELAY_MS = 200;

function emptyState(): StripeState {
  return {
    customers: {},
    checkoutSessions: {},
    subscriptions: {},
    invoices: {},
    portalSessions: {},
    events: [],
    idempotency: {},
  };
}

export class Store {
  readonly state: StripeState;
  private writeTimer: NodeJS.Timeout | null = null;

  constructor(private readonly file?: string) {
    this.state = file && existsSync(file) ? load(file) : emptyState();
  }

  /** Records a change: trims old events and keys, and schedules a write of the state file. */
  changed(): void {
    const { state } = this;
    if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
    const cutoff = Date.now() - IDEMPOTENCY_TTL_MS;
    const keys = Object.entries(state.idempotency);
    keys.forEach(([key, record], index) => {
      // Insertion order is age order: the oldest go first when there are too many.
      if (record.at < cutoff || index < keys.length - MAX_IDEMPOTENCY_KEYS) delete state.idempotency[key];
    });
    // One payment changes the state a dozen times (objects, events, delivery attempts): write once.
    if (this.file && !this.writeTimer) this.writeTimer = setTimeout(() => this.flush(), WRITE_DELAY_MS);
  }

  /** Writes the state file now (on close, and after a burst of changes). */
  flush(): void {
    if (this.writeTimer) clearTimeout(this.writeTimer);
    this.writeTimer = null;
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    // Write then rename, so a crash mid-write never leaves half a file to start from.
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }

  event(id: string): EventRecord | undefined {
    return this.state.events.find((record) => record.event.id === id);
  }
}

function load(file: string): StripeState {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StripeState>;
    return { ...emptyState(), ...parsed };
  } catch (error) {
    // A corrupt file is dev state only: start empty rather than refuse to start.
    console.warn(`local Stripe: ignoring unreadable ${file}: ${String(error)}`);
    return emptyState();
  }
}
