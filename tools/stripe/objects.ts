/**
 * The Stripe objects the local server keeps, in Stripe's JSON shape (the fields Edgebear reads, and
 * the ones a Stripe client commonly expects to be present). Ids carry Stripe's prefixes.
 *
 * Field placement follows the API versions from 2025 on (billing periods on subscription items,
 * an invoice's subscription under `parent.subscription_details`), and also keeps the older
 * top-level fields (`current_period_start`/`end` on the subscription, `subscription` on the
 * invoice) so code written against either shape reads the same values.
 */
import { randomBytes } from 'node:crypto';

export type Interval = 'month' | 'year';

/** Stripe-style id: prefix and 24 random base62-ish characters. */
export function stripeId(prefix: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(24);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return `${prefix}_${out}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** `at` plus one interval, the day clamped to the target month (Jan 31 + 1 month → Feb 28/29). */
export function addInterval(at: number, interval: Interval): number {
  const date = new Date(at * 1000);
  const months = interval === 'year' ? 12 : 1;
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const end = Date.UTC(
    year,
    month,
    Math.min(date.getUTCDate(), lastDay),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  );
  return end / 1000;
}

export interface Customer {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
  livemode: false;
  description: string | null;
  balance: 0;
  currency: string | null;
  delinquent: boolean;
  invoice_prefix: string;
}

export interface Price {
  id: string;
  object: 'price';
  active: true;
  created: number;
  currency: string;
  livemode: false;
  lookup_key: null;
  metadata: Record<string, string>;
  nickname: string | null;
  product: string;
  recurring: { interval: Interval; interval_count: 1; usage_type: 'licensed'; meter: null };
  type: 'recurring';
  unit_amount: number | null;
}

export interface LineItem {
  id: string;
  object: 'item';
  price: Price;
  quantity: number;
  currency: string;
  amount_total: number;
  description: string | null;
}

export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  created: number;
  expires_at: number;
  mode: 'subscription';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  customer: string | null;
  customer_email: string | null;
  client_reference_id: string | null;
  subscription: string | null;
  invoice: string | null;
  success_url: string;
  cancel_url: string | null;
  url: string | null;
  metadata: Record<string, string>;
  currency: string;
  amount_total: number | null;
  livemode: false;
}

export interface SubscriptionItem {
  id: string;
  object: 'subscription_item';
  created: number;
  current_period_start: number;
  current_period_end: number;
  metadata: Record<string, string>;
  price: Price;
  quantity: number;
  subscription: string;
}

export type SubscriptionStatus =
  | 'active'
  | 'past_due'
  | 'canceled'
  | 'incomplete'
  | 'incomplete_expired'
  | 'trialing'
  | 'unpaid'
  | 'paused';

export interface Subscription {
  id: string;
  object: 'subscription';
  created: number;
  start_date: number;
  customer: string;
  status: SubscriptionStatus;
  cancel_at_period_end: boolean;
  cancel_at: number | null;
  canceled_at: number | null;
  ended_at: number | null;
  current_period_start: number;
  current_period_end: number;
  billing_cycle_anchor: number;
  collection_method: 'charge_automatically';
  currency: string;
  items: { object: 'list'; data: SubscriptionItem[]; has_more: false; total_count: number; url: string };
  latest_invoice: string | null;
  metadata: Record<string, string>;
  livemode: false;
}

export interface Invoice {
  id: string;
  object: 'invoice';
  created: number;
  customer: string;
  subscription: string;
  parent: {
    type: 'subscription_details';
    quote_details: null;
    subscription_details: { subscription: string; metadata: Record<string, string> };
  };
  status: 'paid' | 'open';
  paid: boolean;
  attempted: true;
  attempt_count: number;
  billing_reason: 'subscription_create' | 'subscription_cycle' | 'subscription_update';
  collection_method: 'charge_automatically';
  currency: string;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  period_start: number;
  period_end: number;
  lines: {
    object: 'list';
    has_more: false;
    url: string;
    data: {
      id: string;
      object: 'line_item';
      amount: number;
      currency: string;
      period: { start: number; end: number };
      pricing: { type: 'price_details'; price_details: { price: string; product: string } };
      quantity: number;
    }[];
  };
  status_transitions: { paid_at: number | null; finalized_at: number };
  livemode: false;
}

export interface PortalSession {
  id: string;
  object: 'billing_portal.session';
  created: number;
  customer: string;
  return_url: string | null;
  url: string;
  livemode: false;
  configuration: string;
  flow: null;
  locale: null;
  on_behalf_of: null;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  type: string;
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
}

export interface PriceInfo {
  interval: Interval;
  nickname?: string;
  /** Smallest currency unit, e.g. cents; shown on the checkout page when known. */
  unitAmount?: number;
  currency?: string;
  /** Offered by the portal's "Switch to" buttons (default true; false for a retired price). */
  offered?: boolean;
}

export function makePrice(id: string, info: PriceInfo): Price {
  return {
    id,
    object: 'price',
    active: true,
    created: nowSeconds(),
    currency: info.currency ?? 'usd',
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: info.nickname ?? null,
    product: 'prod_local',
    recurring: { interval: info.interval, interval_count: 1, usage_type: 'licensed', meter: null },
    type: 'recurring',
    unit_amount: info.unitAmount ?? null,
  };
}

/** A paid or failed invoice for one period of a subscription. */
export function makeInvoice(sub: Subscription, reason: Invoice['billing_reason'], paid: boolean): Invoice {
  const item = sub.items.data[0];
  const amount = (item?.price.unit_amount ?? 0) * (item?.quantity ?? 1);
  const now = nowSeconds();
  const id = stripeId('in');
  return {
    id,
    object: 'invoice',
    created: now,
    customer: sub.customer,
    subscription: sub.id,
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { subscription: sub.id, metadata: { ...sub.metadata } },
    },
    status: paid ? 'paid' : 'open',
    paid,
    attempted: true,
    attempt_count: 1,
    billing_reason: reason,
    collection_method: 'charge_automatically',
    currency: sub.currency,
    amount_due: amount,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    period_start: sub.current_period_start,
    period_end: sub.current_period_end,
    lines: {
      object: 'list',
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
      data: item
        ? [
            {
              id: stripeId('il'),
              object: 'line_item',
              amount,
              currency: sub.currency,
              period: { start: sub.current_period_start, end: sub.current_period_end },
              pricing: {
                type: 'price_details',
                price_details: { price: item.price.id, product: item.price.product },
              },
              quantity: item.quantity,
            },
          ]
        : [],
    },
    status_transitions: { paid_at: paid ? now : null, finalized_at: now },
    livemode: false,
  };
}

/** A subscription that starts now, active, for one interval of its price. */
export function makeSubscription(fields: {
  customer: string;
  price: Price;
  quantity: number;
  metadata: Record<string, string>;
}): Subscription {
  const now = nowSeconds();
  const id = stripeId('sub');
  const end = addInterval(now, fields.price.recurring.interval);
  return {
    id,
    object: 'subscription',
    created: now,
    start_date: now,
    customer: fields.customer,
    status: 'active',
    cancel_at_period_end: false,
    cancel_at: null,
    canceled_at: null,
    ended_at: null,
    current_period_start: now,
    current_period_end: end,
    billing_cycle_anchor: now,
    collection_method: 'charge_automatically',
    currency: fields.price.currency,
    items: {
      object: 'list',
      data: [
        {
          id: stripeId('si'),
          object: 'subscription_item',
          created: now,
          current_period_start: now,
          current_period_end: end,
          metadata: {},
          price: fields.price,
          quantity: fields.quantity,
          subscription: id,
        },
      ],
      has_more: false,
      total_count: 1,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    metadata: fields.metadata,
    livemode: false,
  };
}

/** Sets the subscription's period on the subscription and on its items (both shapes). */
export function setPeriod(sub: Subscription, start: number, end: number): void {
  sub.current_period_start = start;
  sub.current_period_end = end;
  for (const item of sub.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
}

/** The interval the subscription bills by (its first item's price). */
export function subscriptionInterval(sub: Subscription): Interval {
  return sub.items.data[0]?.price.recurring.interval ?? 'month';
}
