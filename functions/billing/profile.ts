/**
 * Billing profiles in D1 (schema/d1/0002_accounts.sql, 0006_billing.sql): the row, its reads by
 * id and by Stripe customer, and the one write of a subscription's state. Every billing route and
 * the webhook go through here, so a column is named in one place.
 */
import type { PlanId, PlanInterval } from './plans';

export interface BillingProfileRow {
  id: number;
  owner_user_id: number;
  plan_code: string;
  plan_interval: string | null;
  subscription_status: string | null;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  period_start: number | null;
  period_end: number | null;
  cancel_at_period_end: number;
  custom_monthly_events: number | null;
  custom_sites: number | null;
  plan_changed_at: number | null;
  custom_limits_set_at: number | null;
  created_at: string;
}

const COLUMNS = `id, owner_user_id, plan_code, plan_interval, subscription_status, stripe_customer_id,
  stripe_subscription_id, period_start, period_end, cancel_at_period_end, custom_monthly_events,
  custom_sites, plan_changed_at, custom_limits_set_at, created_at`;

export function loadProfile(db: D1Database, id: number): Promise<BillingProfileRow | null> {
  return db
    .prepare(`SELECT ${COLUMNS} FROM billing_profiles WHERE id = ?1`)
    .bind(id)
    .first<BillingProfileRow>();
}

export function profileByCustomer(db: D1Database, customerId: string): Promise<BillingProfileRow | null> {
  return db
    .prepare(`SELECT ${COLUMNS} FROM billing_profiles WHERE stripe_customer_id = ?1`)
    .bind(customerId)
    .first<BillingProfileRow>();
}

/**
 * Stores the profile's Stripe customer unless it already has one, and answers the one it has
 * afterwards: two concurrent first checkouts both end up with the same customer.
 */
export async function rememberCustomer(db: D1Database, id: number, customerId: string): Promise<string> {
  const row = await db
    .prepare(
      `UPDATE billing_profiles SET stripe_customer_id = coalesce(stripe_customer_id, ?2)
       WHERE id = ?1 RETURNING stripe_customer_id`,
    )
    .bind(id, customerId)
    .first<{ stripe_customer_id: string }>();
  return row?.stripe_customer_id ?? customerId;
}

/**
 * SQL for the new `plan_changed_at` of an UPDATE that sets `plan_code` to the placeholder `plan`
 * at `now` (a placeholder of unix seconds): unchanged when the plan is the same, else now, but
 * always strictly after an override set in the same second, so effectiveLimits sees the plan
 * change as the later event (SET expressions read the row as it was).
 */
export function planChangedAt(plan: string, now: string): string {
  return `CASE WHEN plan_code IS ${plan} THEN plan_changed_at ELSE max(${now}, coalesce(custom_limits_set_at + 1, 0)) END`;
}

/** Subscription statuses under which the paid plan applies (past_due: Stripe is still retrying the card). */
export const LIVE_STATUSES: readonly string[] = ['active', 'trialing', 'past_due'];
const LIVE_STATUS_LIST = LIVE_STATUSES.map((status) => `'${status}'`).join(', ');

/** What a profile's billing columns become from one subscription, as Stripe has it now. */
export interface SubscriptionState {
  subscriptionId: string;
  customerId: string | null;
  status: string;
  plan: PlanId;
  interval: PlanInterval | null;
  periodStart: number | null;
  periodEnd: number | null;
  cancelAtPeriodEnd: boolean;
}

/**
 * The statement that writes `state` to the profile, only if the Stripe event `eventId` has not
 * been applied yet; batched with {@link recordEvent} it applies each event exactly once, even
 * when Stripe delivers it twice at the same moment.
 *
 * A subscription that has ended only overwrites the profile if it is the profile's subscription
 * (or the profile has no live one): a late event about an old, cancelled subscription must not
 * downgrade a customer who has since subscribed again.
 */
export function applySubscriptionState(
  db: D1Database,
  profileId: number,
  state: SubscriptionState,
  eventId: string,
  nowSeconds: number,
): D1PreparedStatement {
  const live = LIVE_STATUSES.includes(state.status) ? 1 : 0;
  return db
    .prepare(
      `UPDATE billing_profiles SET
         plan_changed_at = ${planChangedAt('?3', '?10')},
         plan_code = ?3, plan_interval = ?4, subscription_status = ?5, stripe_subscription_id = ?2,
         period_start = ?6, period_end = ?7, cancel_at_period_end = ?8,
         stripe_customer_id = coalesce(stripe_customer_id, ?12)
       WHERE id = ?1
         AND NOT EXISTS (SELECT 1 FROM stripe_events WHERE id = ?9)
         AND (?11 = 1 OR stripe_subscription_id IS NULL OR stripe_subscription_id = ?2
              OR coalesce(subscription_status, '') NOT IN (${LIVE_STATUS_LIST}))`,
    )
    .bind(
      profileId,
      state.subscriptionId,
      state.plan,
      state.interval,
      state.status,
      state.periodStart,
      state.periodEnd,
      state.cancelAtPeriodEnd ? 1 : 0,
      eventId,
      nowSeconds,
      live,
      state.customerId,
    );
}

/** Marks a Stripe event applied; a second delivery of it then changes nothing. */
export function recordEvent(
  db: D1Database,
  eventId: string,
  type: string,
  nowSeconds: number,
): D1PreparedStatement {
  return db
    .prepare('INSERT OR IGNORE INTO stripe_events (id, type, received_at) VALUES (?1, ?2, ?3)')
    .bind(eventId, type, nowSeconds);
}

export async function eventApplied(db: D1Database, eventId: string): Promise<boolean> {
  const row = await db.prepare('SELECT 1 AS seen FROM stripe_events WHERE id = ?1').bind(eventId).first();
  return row !== null;
}
