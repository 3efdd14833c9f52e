/**
 * The local Stripe account: holds customers, Checkout and Portal sessions, subscriptions and
 * invoices, creates them, completes Checkout ("Pay"), and sends the events each change causes, in
 * the order Stripe would. Later changes to a subscription are in subscriptions.ts. The HTTP layers
 * (API, pages, test hooks) parse and validate, then call one function.
 */
import {
  type CheckoutSession,
  type Customer,
  type Interval,
  type Invoice,
  type LineItem,
  makeInvoice,
  makePrice,
  makeSubscription,
  nowSeconds,
  type PortalSession,
  type Price,
  type PriceInfo,
  type Subscription,
  stripeId,
} from './objects';
import type { EventRecord, Store } from './store';
import type { WebhookSender } from './webhooks';

export interface AccountOptions {
  store: Store;
  webhooks: WebhookSender;
  /** Base URL of the pages, e.g. `http://127.0.0.1:12111`. */
  publicUrl: string;
  /** Prices the account knows (interval, name, amount); any other price id is accepted as monthly. */
  prices: Readonly<Record<string, PriceInfo>>;
  /** The API version events carry. */
  apiVersion: () => string;
}

export interface NewCheckoutSession {
  customer: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  price: string;
  quantity: number;
  successUrl: string;
  cancelUrl: string | null;
  metadata: Record<string, string>;
  subscriptionMetadata: Record<string, string>;
}

/** An action that is not allowed in the object's state (Stripe answers 400). */
export class StateError extends Error {}

const CHECKOUT_LIFETIME_SECONDS = 24 * 60 * 60;

export class StripeAccount {
  constructor(private readonly options: AccountOptions) {}

  private get state() {
    return this.options.store.state;
  }

  customer(id: string): Customer | undefined {
    return this.state.customers[id];
  }

  checkoutSession(id: string): CheckoutSession | undefined {
    return this.state.checkoutSessions[id]?.session;
  }

  lineItems(sessionId: string): LineItem[] {
    return this.state.checkoutSessions[sessionId]?.lineItems ?? [];
  }

  subscription(id: string): Subscription | undefined {
    return this.state.subscriptions[id];
  }

  invoice(id: string): Invoice | undefined {
    return this.state.invoices[id];
  }

  portalSession(id: string): PortalSession | undefined {
    return this.state.portalSessions[id];
  }

  subscriptionsOf(customer: string): Subscription[] {
    return Object.values(this.state.subscriptions).filter((s) => s.customer === customer);
  }

  allSubscriptions(): Subscription[] {
    return Object.values(this.state.subscriptions);
  }

  /** The newest events first, with their delivery attempts. */
  recentEvents(limit: number): EventRecord[] {
    return this.state.events.slice(-limit).reverse();
  }

  /** Every event kept, oldest first. */
  events(): readonly EventRecord[] {
    return this.state.events;
  }

  /** The prices the portal's "Switch to" buttons offer. */
  offeredPrices(): Price[] {
    return Object.entries(this.options.prices)
      .filter(([, info]) => info.offered !== false)
      .map(([id, info]) => makePrice(id, info));
  }

  /** Any price id is accepted: a known one carries its interval and name, others are monthly. */
  price(id: string, interval?: Interval): Price {
    const known = this.options.prices[id];
    return makePrice(id, { ...known, interval: interval ?? known?.interval ?? 'month' });
  }

  createCustomer(fields: {
    email: string | null;
    name: string | null;
    description: string | null;
    metadata: Record<string, string>;
  }): Customer {
    const customer: Customer = {
      id: stripeId('cus'),
      object: 'customer',
      created: nowSeconds(),
      ...fields,
      livemode: false,
      balance: 0,
      currency: null,
      delinquent: false,
      invoice_prefix: stripeId('').slice(1, 9).toUpperCase(),
    };
    this.state.customers[customer.id] = customer;
    this.options.store.changed();
    return customer;
  }

  createCheckoutSession(input: NewCheckoutSession): CheckoutSession {
    // The Worker names the interval in metadata, since any price id is accepted here.
    const metaInterval = input.metadata.interval;
    const interval =
      metaInterval === 'month' || metaInterval === 'year'
        ? metaInterval
        : (this.options.prices[input.price]?.interval ?? 'month');
    const price = this.price(input.price, interval);
    const amount = price.unit_amount === null ? null : price.unit_amount * input.quantity;
    const id = stripeId('cs_test');
    const created = nowSeconds();
    const session: CheckoutSession = {
      id,
      object: 'checkout.session',
      created,
      expires_at: created + CHECKOUT_LIFETIME_SECONDS,
      mode: 'subscription',
      status: 'open',
      payment_status: 'unpaid',
      customer: input.customer,
      customer_email: input.customerEmail,
      client_reference_id: input.clientReferenceId,
      subscription: null,
      invoice: null,
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
      url: `${this.options.publicUrl}/checkout/${id}`,
      metadata: input.metadata,
      currency: price.currency,
      amount_total: amount,
      livemode: false,
    };
    const lineItem: LineItem = {
      id: stripeId('li'),
      object: 'item',
      price,
      quantity: input.quantity,
      currency: price.currency,
      amount_total: amount ?? 0,
      description: price.nickname,
    };
    this.state.checkoutSessions[id] = {
      session,
      lineItems: [lineItem],
      subscriptionMetadata: input.subscriptionMetadata,
      interval,
    };
    this.options.store.changed();
    return session;
  }

  createPortalSession(customer: string, returnUrl: string | null): PortalSession {
    const id = stripeId('bps');
    const session: PortalSession = {
      id,
      object: 'billing_portal.session',
      created: nowSeconds(),
      customer,
      return_url: returnUrl,
      url: `${this.options.publicUrl}/portal/${id}`,
      livemode: false,
      configuration: 'bpc_local',
      flow: null,
      locale: null,
      on_behalf_of: null,
    };
    this.state.portalSessions[id] = session;
    this.options.store.changed();
    return session;
  }

  /**
   * "Pay (test)": the subscription starts (active, one interval from now), the session completes,
   * and customer.subscription.created, checkout.session.completed and invoice.paid are delivered
   * before this resolves. Paying a completed session again changes nothing.
   */
  async pay(sessionId: string): Promise<CheckoutSession> {
    const record = this.state.checkoutSessions[sessionId];
    if (!record) throw new StateError(`No such checkout.session: '${sessionId}'`);
    const { session } = record;
    if (session.status !== 'open') return session;
    if (session.expires_at <= nowSeconds()) {
      session.status = 'expired';
      this.options.store.changed();
      throw new StateError('This Checkout Session has expired.');
    }
    const customer =
      session.customer ??
      this.createCustomer({
        email: session.customer_email,
        name: null,
        description: null,
        metadata: {},
      }).id;
    const item = record.lineItems[0];
    const sub = makeSubscription({
      customer,
      price: item?.price ?? this.price('price_unknown', record.interval),
      quantity: item?.quantity ?? 1,
      metadata: { ...record.subscriptionMetadata },
    });
    const invoice = makeInvoice(sub, 'subscription_create', true);
    sub.latest_invoice = invoice.id;
    this.state.subscriptions[sub.id] = sub;
    this.state.invoices[invoice.id] = invoice;
    Object.assign(session, {
      status: 'complete',
      payment_status: 'paid',
      customer,
      subscription: sub.id,
      invoice: invoice.id,
      url: null,
    } satisfies Partial<CheckoutSession>);
    await this.send([
      this.event('customer.subscription.created', sub),
      this.event('checkout.session.completed', session),
      this.event('invoice.paid', invoice),
    ]);
    return session;
  }

  addInvoice(invoice: Invoice): void {
    this.state.invoices[invoice.id] = invoice;
  }

  /** Sends events again (fresh signatures): the named ones, or every one not yet delivered. */
  async resend(eventIds: readonly string[] | null): Promise<EventRecord[]> {
    const records =
      eventIds === null
        ? this.state.events.filter((r) => !r.delivered)
        : eventIds.map((id) => {
            const record = this.options.store.event(id);
            if (!record) throw new StateError(`No such event: '${id}'`);
            return record;
          });
    await this.options.webhooks.deliver(records);
    return records;
  }

  /** An event holding a snapshot of the object as it is now (later changes do not show in it). */
  event(type: string, object: unknown, previous?: Record<string, unknown>): EventRecord {
    const record: EventRecord = {
      event: {
        id: stripeId('evt'),
        object: 'event',
        api_version: this.options.apiVersion(),
        created: nowSeconds(),
        type,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: previous
          ? { object: structuredClone(object), previous_attributes: structuredClone(previous) }
          : { object: structuredClone(object) },
      },
      attempts: [],
      delivered: false,
    };
    return record;
  }

  /** Stores the events, then delivers them; API calls do not wait for delivery, pages do. */
  async send(records: EventRecord[], wait = true): Promise<void> {
    this.state.events.push(...records);
    this.options.store.changed();
    const delivery = this.options.webhooks.deliver(records);
    if (wait) await delivery;
  }
}
