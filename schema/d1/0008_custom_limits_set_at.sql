-- When the operator last set a profile's custom limits (custom_monthly_events, custom_sites), unix
-- seconds; written by PATCH /admin/api/billing-profiles/:id whenever either changes. An override
-- holds until the plan changes after it (plan_changed_at > custom_limits_set_at): from then on
-- the limit is the larger of the override and the new plan's, so a customer who buys a bigger
-- plan is not held to an older, lower override, and an enterprise deal above the plan stays.
-- effectiveLimits in functions/billing/plans.ts is the one place that reads it.
ALTER TABLE billing_profiles ADD COLUMN custom_limits_set_at INTEGER;

-- Overrides set before this column existed count as set now: they hold until the next plan change.
UPDATE billing_profiles SET custom_limits_set_at = CAST(strftime('%s', 'now') AS INTEGER)
 WHERE custom_monthly_events IS NOT NULL OR custom_sites IS NOT NULL;
