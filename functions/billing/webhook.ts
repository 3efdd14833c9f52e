/**
 * Stripe webhooks: verified on the raw body, each event applied once, and converging on Stripe's
 * current state whatever order events arrive in.
 *
 * Events are hints, not facts: Stripe delivers at least once and in no particular order (a
 * `customer.subscription.updated` can arrive before the `checkout.session.completed` that created
 * the subscription). So every event we act on names a subscription, and the handler retrieves that
 * subscription from Stripe and writes its state as it is now. Whichever event comes last, the
 * profile ends where Stripe is.
 */
import type { Env } from '../../workers/env';
import { log } from '../../workers/observability/log';
import { billingConfig } from './config';
import {
  applySubscriptionState,
  type BillingProfileRow,
  eventApplied,
  loadProfile,
  profileByCustomer,
  recordEvent,
} from './profile';
import { isResourceMissing, type Stripe, stripeClient, verifiedEvent } from './stripe';
import {
  idOf,
  invoiceSubscriptionId,
  parseProfileId,
  profileIdFromMetadata,
  subscriptionState,
} from './subscription';

/** The events Edgebear subscribes to (docs/billing.md, "Webhooks"). */
export const HANDLED_EVENTS = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
] as const;

export interface WebhookOutcome {
  received: true;
  /** What happened: applied (the profile changed or was confirmed), duplicate, ignored. */
  result: 'applied' | 'unchanged' | 'duplicate' | 'ignored';
}

/** The subscription an event is about, and what it says about whose it is. */
interface Target {
  subscriptionId: string;
  /** A billing profile id Edgebear put on the session or subscription, if any. */
  profileHint: number | null;
  /** The subscription as the event carried it: used only if Stripe no longer has it. */
  carried: Stripe.Subscription | null;
}

function targetOf(event: Stripe.Event): Target | null {
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      const subscriptionId = idOf(session.subscription);
      if (session.mode !== 'subscription' || !subscriptionId) return null;
      return {
        subscriptionId,
        profileHint: parseProfileId(session.client_reference_id) ?? profileIdFromMetadata(session.metadata),
        carried: null,
      };
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      const subscription = event.data.object;
      return {
        subscriptionId: subscription.id,
        profileHint: profileIdFromMetadata(subscription.metadata),
        carried: subscription,
      };
    }
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      const subscriptionId = invoiceSubscriptionId(invoice);
      if (!subscriptionId) return null;
      return {
        subscriptionId,
        profileHint: profileIdFromMetadata(invoice.parent?.subscription_details?.metadata),
        carried: null,
      };
    }
    default:
      return null;
  }
}

/** Stripe's current version of the subscription; the carried copy if Stripe has none any more. */
async function currentSubscription(env: Env, target: Target): Promise<Stripe.Subscription | null> {
  const stripe = await stripeClient(env);
  try {
    return await stripe.subscriptions.retrieve(target.subscriptionId);
  } catch (error) {
    if (isResourceMissing(error)) return target.carried;
    throw error;
  }
}

/**
 * Whose subscription it is: the profile holding its customer; else the profile Edgebear named in
 * the metadata, if that profile has no other customer.
 */
async function owningProfile(
  db: D1Database,
  customerId: string | null,
  hint: number | null,
): Promise<BillingProfileRow | null> {
  if (customerId) {
    const byCustomer = await profileByCustomer(db, customerId);
    if (byCustomer) return byCustomer;
  }
  if (hint === null) return null;
  const hinted = await loadProfile(db, hint);
  if (!hinted || (hinted.stripe_customer_id !== null && hinted.stripe_customer_id !== customerId))
    return null;
  return hinted;
}

/**
 * Verifies and applies one webhook request. Throws `ApiError` 400 for a bad signature or an old
 * timestamp, 503 while billing is not configured or Stripe is unreachable (Stripe retries any
 * non-2xx answer for days, so nothing is lost by refusing).
 */
export async function handleWebhook(
  env: Env,
  rawBody: string,
  signature: string | null,
  nowMs: number,
  onPlanChanged: (profileId: number) => Promise<void>,
): Promise<WebhookOutcome> {
  const event = await verifiedEvent(env, rawBody, signature);
  if (await eventApplied(env.DB, event.id)) return { received: true, result: 'duplicate' };
  const now = Math.floor(nowMs / 1000);
  const target = targetOf(event);
  const subscription = target && (await currentSubscription(env, target));
  const profile =
    target && subscription && (await owningProfile(env.DB, idOf(subscription.customer), target.profileHint));
  if (!target || !subscription || !profile) {
    if (target) {
      log('warn', 'stripe event for no known billing profile', { event: event.id, type: event.type });
    }
    await recordEvent(env.DB, event.id, event.type, now).run();
    return { received: true, result: 'ignored' };
  }
  const state = subscriptionState(subscription, billingConfig(env));
  // One batch is one transaction: the change and the record that it was made commit together.
  const [applied] = await env.DB.batch([
    applySubscriptionState(env.DB, profile.id, state, event.id, now),
    recordEvent(env.DB, event.id, event.type, now),
  ]);
  const changed = (applied?.meta.changes ?? 0) > 0;
  if (changed) {
    log('info', 'billing profile follows stripe', {
      profile: profile.id,
      event: event.type,
      plan: state.plan,
      status: state.status,
    });
    await onPlanChanged(profile.id);
  }
  return { received: true, result: changed ? 'applied' : 'unchanged' };
}
