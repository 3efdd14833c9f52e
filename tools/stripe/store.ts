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
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

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

  constructor(private readonly file?: string) {
    this.state = file && existsSync(file) ? load(file) : emptyState();
  }

  /** Records a change: trims old events and keys, then writes the state file if there is one. */
  changed(): void {
    const { state } = this;
    if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
    const cutoff = Date.now() - IDEMPOTENCY_TTL_MS;
    for (const [key, record] of Object.entries(state.idempotency)) {
      if (record.at < cutoff) delete state.idempotency[key];
    }
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    // Write then rename, so a crash mid-write never leaves half a file to start from.
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
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
