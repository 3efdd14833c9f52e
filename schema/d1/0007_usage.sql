-- Usage metering (issue 11): one row per billing profile and billing period, written by the
-- 15-minute metering cron (workers/billing/metering.ts) and read by the ingest capacity check
-- (workers/billing/capacity.ts, cached per isolate) and GET /api/billing (workers/billing/usage.ts).
-- Times are unix seconds. A new period is a new row, so past periods stay as history.
CREATE TABLE IF NOT EXISTS usage_periods (
  billing_profile_id INTEGER NOT NULL,
  -- [period_start, period_end): billingPeriod() of functions/billing/plans.ts at metering time.
  period_start       INTEGER NOT NULL,
  period_end         INTEGER NOT NULL,
  -- Metered events (pageviews and custom events) of all the profile's sites in the period,
  -- counted again from ClickHouse on every run: re-running, or catching up after a missed run,
  -- writes the same number instead of adding to it.
  events             INTEGER NOT NULL DEFAULT 0,
  -- Metered events refused with `over_quota` while the period was over its limit. Counted in
  -- the isolates and added in batches (workers/billing/capacity.ts); never recomputed.
  over_events        INTEGER NOT NULL DEFAULT 0,
  -- The monthly limit the state below was decided under (plan or operator override).
  limit_events       INTEGER NOT NULL,
  -- 'ok' | 'warning' (>= 80 %) | 'grace' (>= 100 %, until grace_ends_at) | 'over' (after it).
  state              TEXT NOT NULL DEFAULT 'ok',
  -- When the 80 % warning and the 100 % "capacity depleted" mails were claimed: a conditional
  -- UPDATE ... WHERE warned_at IS NULL RETURNING, so overlapping runs send each mail once.
  warned_at          INTEGER,
  depleted_at        INTEGER,
  -- Set when usage first reaches the limit (QUOTA_GRACE_DAYS later); NULL below the limit.
  grace_ends_at      INTEGER,
  -- The last metering run that changed the count or the state (runs that change nothing do not
  -- write; job_runs has the last run), and the last write of any kind.
  metered_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  PRIMARY KEY (billing_profile_id, period_start)
);

-- The capacity check and the metering job read a profile's current rows: period_end > now.
CREATE INDEX IF NOT EXISTS usage_periods_current ON usage_periods (period_end);
