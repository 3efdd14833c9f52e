/**
 * /api/billing: the signed-in owner's plan and usage, Stripe Checkout to upgrade, the Billing
 * Portal to manage, and Stripe's webhook. The Stripe SDK is loaded only when one of these routes
 * calls Stripe (./stripe.ts).
 */
import { type Context, Hono } from 'hono';
import { currentUsage } from '../../workers/billing/usage';
import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';
import { readBodyText, readJsonObject } from '../../workers/http/body';
import { LeasedLimiter } from '../../workers/limits/lease';
import { parseRateRule } from '../../workers/limits/rule';
import {
  type Account,
  type AuthEnv,
  requireCsrf,
  requireSession,
  requireVerifiedEmail,
} from '../auth/middleware';
import { tooManyAttempts } from '../auth/rate-limit';
import { ApiError } from '../errors';
import { appUrl } from '../sites/store';
import { billingConfig, priceFor } from './config';
import { planChanged } from './plan-changed';
import { effectiveLimits, isPlanId, isPlanInterval, PLANS, type PlanId, type PlanInterval } from './plans';
import { type BillingProfileRow, LIVE_STATUSES, loadProfile, rememberCustomer } from './profile';
import { callStripe, stripeClient } from './stripe';
import { isoSeconds, plansJson } from './view';
import { handleWebhook } from './webhook';

/** Stripe's events are a few KB; the cap only stops a flood of bytes before verification. */
const MAX_WEBHOOK_BYTES = 256 * 1024;
const MAX_JSON_BYTES = 4 * 1024;
/**
 * Checkout and portal sessions per billing profile: each is a call to Stripe, and Stripe limits
 * the whole account, so one customer clicking in a loop must not slow everyone's billing. Counted
 * exactly by the profile's Durable Object; fails open, as a limiter outage must not stop payments.
 */
const SESSION_RULE = parseRateRule('10/60');
let sessionLimiter: { ns: Env['RATE_LIMITER']; instance: LeasedLimiter } | undefined;

async function limitSessions(c: Context<AuthEnv>, profileId: number): Promise<void> {
  // One per isolate; a new binding (tests swap env objects) gets a new one.
  if (sessionLimiter?.ns !== c.env.RATE_LIMITER) {
    const instance = new LeasedLimiter(c.env.RATE_LIMITER, SESSION_RULE, {
      prefix: 'billing',
      failOpen: true,
      localAllowance: 0,
    });
    sessionLimiter = { ns: c.env.RATE_LIMITER, instance };
  }
  const result = await sessionLimiter.instance.check(`session:${profileId}`);
  if (!result.allowed) throw tooManyAttempts(c, result.retryAfterSeconds, 'Too many billing requests.');
}

export const billingRoutes = new Hono<AuthEnv>();

/** The caller's billing profile; 403 unless they own it (a team member may read, later, not pay). */
async function ownProfile(db: D1Database, account: Account): Promise<BillingProfileRow> {
  const profile = await loadProfile(db, account.billingProfileId);
  if (!profile) throw new ApiError(404, 'not_found', 'no billing profile');
  if (profile.owner_user_id !== account.userId) {
    throw new ApiError(403, 'not_owner', 'Only the owner of this billing profile can change its plan.');
  }
  return profile;
}

function parseChoice(body: Record<string, unknown>): { plan: PlanId; interval: PlanInterval } {
  const { plan, interval = 'month' } = body;
  if (!isPlanId(plan) || !PLANS[plan].paid) {
    const paid = Object.values(PLANS).filter((p) => p.paid);
    throw new ApiError(400, 'invalid_plan', `plan must be one of ${paid.map((p) => p.id).join(', ')}`);
  }
  if (!isPlanInterval(interval))
    throw new ApiError(400, 'invalid_interval', 'interval must be "month" or "year"');
  return { plan, interval };
}

function hasLiveSubscription(profile: BillingProfileRow): boolean {
  return profile.subscription_status !== null && LIVE_STATUSES.includes(profile.subscription_status);
}

billingRoutes.get('/', requireSession, async (c) => {
  const account = c.get('account');
  const profile = await loadProfile(c.env.DB, account.billingProfileId);
  if (!profile) throw new ApiError(404, 'not_found', 'no billing profile');
  const nowMs = Date.now();
  const usage = await currentUsage(c.env.DB, profile.id, nowMs, configOf(c.env).quotaGraceDays);
  const limits = effectiveLimits(profile);
  const limit = usage?.limit ?? limits.monthlyEvents;
  return c.json({
    plan: limits.plan.id,
    interval: profile.plan_interval,
    status: profile.subscription_status,
    period_start: isoSeconds(usage?.period_start ?? null),
    period_end: isoSeconds(usage?.period_end ?? null),
    cancel_at_period_end: profile.cancel_at_period_end === 1,
    subscription_period_end: isoSeconds(profile.period_end),
    usage: {
      events: usage?.events ?? 0,
      limit,
      percent: usage?.percent ?? 0,
      over_events: usage?.over_events ?? 0,
    },
    state: usage?.state ?? 'ok',
    grace_ends_at: isoSeconds(usage?.grace_ends_at ?? null),
    limits: { monthly_events: limit, sites: limits.sites, retention_months: limits.plan.retentionMonths },
    can_manage: profile.stripe_customer_id !== null,
    is_owner: profile.owner_user_id === account.userId,
    plans: plansJson(billingConfig(c.env)),
  });
});

/**
 * Starts Stripe Checkout for a paid plan: `{ plan, interval }` → `{ url }`. The Stripe customer is
 * created once per billing profile (idempotency key, then stored) and reused afterwards. A profile
 * that already pays changes plans in the portal instead (409), so nobody pays twice.
 */
billingRoutes.post('/checkout', requireSession, requireCsrf, requireVerifiedEmail, async (c) => {
  const account = c.get('account');
  const { plan, interval } = parseChoice(await readJsonObject(c.req.raw, { maxBytes: MAX_JSON_BYTES }));
  const profile = await ownProfile(c.env.DB, account);
  await limitSessions(c, profile.id);
  if (hasLiveSubscription(profile)) {
    throw new ApiError(
      409,
      'already_subscribed',
      'You already have a subscription: change or cancel it under "Manage billing".',
    );
  }
  const price = priceFor(billingConfig(c.env), plan, interval);
  const stripe = await stripeClient(c.env);
  let customer = profile.stripe_customer_id;
  if (customer === null) {
    const created = await callStripe('customers.create', () =>
      stripe.customers.create(
        { email: account.email, metadata: { billing_profile_id: String(profile.id) } },
        // A retried or doubled first checkout creates one customer, not two. The profile's creation
        // time keeps the key unique should ids ever be reused (a reset local database).
        { idempotencyKey: `edgebear-customer-${profile.id}-${profile.created_at}` },
      ),
    );
    customer = await rememberCustomer(c.env.DB, profile.id, created.id);
  }
  const base = appUrl(c.env);
  const profileId = String(profile.id);
  const session = await callStripe('checkout.sessions.create', () =>
    stripe.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: profileId,
      line_items: [{ price, quantity: 1 }],
      success_url: `${base}/billing?checkout=success`,
      cancel_url: `${base}/billing`,
      metadata: { billing_profile_id: profileId },
      subscription_data: { metadata: { billing_profile_id: profileId } },
    }),
  );
  if (!session.url)
    throw new ApiError(502, 'stripe_error', 'The payment provider returned no checkout page.');
  return c.json({ url: session.url });
});

/** A Billing Portal session to change plan, card or cancel: `{ url }`; 409 before the first checkout. */
billingRoutes.post('/portal', requireSession, requireCsrf, async (c) => {
  const profile = await ownProfile(c.env.DB, c.get('account'));
  await limitSessions(c, profile.id);
  const customer = profile.stripe_customer_id;
  if (customer === null) {
    throw new ApiError(409, 'no_customer', 'There is nothing to manage yet: choose a plan first.');
  }
  const stripe = await stripeClient(c.env);
  const session = await callStripe('billingPortal.sessions.create', () =>
    stripe.billingPortal.sessions.create({ customer, return_url: `${appUrl(c.env)}/billing` }),
  );
  return c.json({ url: session.url });
});

/** Stripe's webhook: no session, the signature is the authentication (./webhook.ts). */
billingRoutes.post('/webhook', async (c) => {
  const rawBody = await readBodyText(c.req.raw, MAX_WEBHOOK_BYTES);
  const outcome = await handleWebhook(
    c.env,
    rawBody,
    c.req.header('stripe-signature') ?? null,
    Date.now(),
    (id) => planChanged(c.env, id),
  );
  return c.json(outcome);
});
