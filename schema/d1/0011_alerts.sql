-- Alerts for site owners (issue 12, functions/alerts, workers/jobs/site-alerts.ts): a traffic spike
-- (current visitors over a threshold), a traffic drop (yesterday far below the median of the last 4
-- same weekdays) and a web-vitals regression (yesterday's p75 LCP, INP or CLS in a worse band than
-- the 7 days before). Each kind is off until the site's owner turns it on; the 15-minute cron sends
-- each kind at most once per site and local day (the notification ledger of 0009).
CREATE TABLE site_alerts (
  -- Deleting the site (the cron's hard delete) takes its settings with it.
  site_id         INTEGER PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
  spike_enabled   INTEGER NOT NULL DEFAULT 0,
  -- Alert when more than this many visitors are on the site now (the dashboard's "current visitors").
  spike_threshold INTEGER NOT NULL DEFAULT 10,
  drop_enabled    INTEGER NOT NULL DEFAULT 0,
  -- Alert when yesterday had fewer visitors than drop_ratio × the median of the last 4 same weekdays.
  drop_ratio      REAL NOT NULL DEFAULT 0.5,
  vitals_enabled  INTEGER NOT NULL DEFAULT 0,
  -- Unix seconds.
  updated_at      INTEGER NOT NULL
);

-- Who gets a site's alerts: any address (at most 10 per site, checked by the API). A recipient's
-- unsubscribe link deletes its row.
CREATE TABLE site_alert_recipients (
  site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  -- Lower-cased, as the API stores it, so one address is one row per site.
  email      TEXT NOT NULL,
  -- Unix seconds.
  created_at INTEGER NOT NULL,
  PRIMARY KEY (site_id, email)
);

-- The cron reads only the sites with an alert on.
CREATE INDEX site_alerts_on ON site_alerts (site_id) WHERE spike_enabled = 1 OR drop_enabled = 1 OR vitals_enabled = 1;
