-- Billing (issue 11): the plan a billing profile pays for, mirrored from Stripe by the webhook
-- (functions/billing/webhook.ts), and the operator's per-profile overrides. `plan_code` (0002)
-- keeps the plan id: 'free' | 'growth' | 'business' (functions/billing/plans.ts).

-- 'month' | 'year' on a paid plan; NULL on free.
ALTER TABLE billing_profiles ADD COLUMN plan_interval TEXT;
-- Stripe's subscription status ('active', 'trialing', 'past_due', 'canceled', ...); NULL on free.
ALTER TABLE billing_profiles ADD COLUMN subscription_status TEXT;
-- Created once, on the first checkout, and reused for every later one and for the portal.
-- SQLite cannot add a UNIQUE column, so uniqueness is the partial index below.
ALTER TABLE billing_profiles ADD COLUMN stripe_customer_id TEXT;
ALTER TABLE billing_profiles ADD COLUMN stripe_subscription_id TEXT;
-- The subscription's current period, unix seconds. NULL on free: the period is then the
-- calendar month in UTC (billingPeriod in functions/billing/plans.ts).
ALTER TABLE billing_profiles ADD COLUMN period_start INTEGER;
ALTER TABLE billing_profiles ADD COLUMN period_end INTEGER;
-- 1: the customer cancelled; Stripe ends the subscription (and the webhook returns the
-- profile to free) at period_end.
ALTER TABLE billing_profiles ADD COLUMN cancel_at_period_end INTEGER NOT NULL DEFAULT 0;
-- Operator overrides (PATCH /admin/api/billing-profiles/:id); NULL means the plan's own limit.
ALTER TABLE billing_profiles ADD COLUMN custom_monthly_events INTEGER;
ALTER TABLE billing_profiles ADD COLUMN custom_sites INTEGER;
-- Unix seconds of the last change of plan_code, by webhook or by the operator.
ALTER TABLE billing_profiles ADD COLUMN plan_changed_at INTEGER;

CREATE UNIQUE INDEX IF NOT EXISTS billing_profiles_by_stripe_customer
  ON billing_profiles (stripe_customer_id) WHERE stripe_customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS billing_profiles_by_stripe_subscription
  ON billing_profiles (stripe_subscription_id) WHERE stripe_subscription_id IS NOT NULL;

-- Stripe events already applied, so a redelivered event (Stripe delivers at least once) is a
-- no-op. A row is written in the same D1 batch as the change the event made.
CREATE TABLE IF NOT EXISTS stripe_events (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
