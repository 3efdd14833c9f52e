-- Email reports for site owners (issue 12, docs/reports.md): who gets which report of a site.
-- A site admin adds recipients (any address, at most 10 per site, checked by the API) and ticks
-- the frequencies; the 15-minute cron sends each due report once per recipient and period, through
-- the notification ledger of 0009. A recipient's unsubscribe link deletes its row.
CREATE TABLE report_recipients (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  -- Deleting the site (the cron's hard delete) takes its recipients with it.
  site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  -- Lower-cased, as the API stores it, so one address is one row per site.
  email      TEXT NOT NULL,
  -- 1: send this report (yesterday / last Monday–Sunday / last month, at 07:00 site time).
  daily      INTEGER NOT NULL DEFAULT 0,
  weekly     INTEGER NOT NULL DEFAULT 0,
  monthly    INTEGER NOT NULL DEFAULT 0,
  -- Unix seconds.
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (site_id, email)
);

-- The cron reads only the recipients with something to send.
CREATE INDEX report_recipients_due ON report_recipients (site_id) WHERE daily = 1 OR weekly = 1 OR monthly = 1;
