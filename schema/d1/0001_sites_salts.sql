-- Sites that may send events. The ingest path reads this table through an isolate cache
-- (workers/ingest/site-cache.ts), never once per event.
CREATE TABLE IF NOT EXISTS sites (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  domain            TEXT NOT NULL UNIQUE,
  -- Public, non-secret key (Umami's `website`); random so it cannot be guessed from the domain.
  public_key        TEXT NOT NULL UNIQUE,
  timezone          TEXT NOT NULL DEFAULT 'UTC',
  -- JSON array of hostnames (exact, or `*.example.com`) allowed besides the domain itself.
  allowed_hostnames TEXT NOT NULL DEFAULT '[]',
  -- 1: drop events from browsers that send Do-Not-Track or Global Privacy Control.
  respect_dnt       INTEGER NOT NULL DEFAULT 0,
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  deleted_at        TEXT
);

-- Daily salts for visitor ids. A salt is deleted 48 h after its day began, after which the
-- visitor ids of that day can no longer be linked to anyone.
CREATE TABLE IF NOT EXISTS salts (
  day        TEXT PRIMARY KEY,          -- UTC date, YYYY-MM-DD
  salt       TEXT NOT NULL,             -- 32 random bytes, hex
  created_at INTEGER NOT NULL           -- unix seconds
);

-- Queue messages that exhausted their retries, parked until `npm run replay` re-sends them.
CREATE TABLE IF NOT EXISTS dead_letters (
  batch_id    TEXT PRIMARY KEY,
  body        TEXT NOT NULL,            -- the EventBatchMessage as JSON
  events      INTEGER NOT NULL,
  received_at INTEGER NOT NULL          -- unix seconds
);

-- Last run of each cron job, for the operator.
CREATE TABLE IF NOT EXISTS job_runs (
  job         TEXT PRIMARY KEY,
  last_run_at INTEGER NOT NULL,
  last_status TEXT NOT NULL,
  detail      TEXT NOT NULL DEFAULT ''
);
