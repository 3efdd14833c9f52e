-- Scheduled jobs (docs/jobs.md). job_runs was one row per job with its last status; it becomes one
-- row per run, keyed by the job and the period the run covers (the idempotency key), and job_state
-- keeps each job's last success and whether an operator alert is open.
DROP TABLE IF EXISTS job_runs;

CREATE TABLE job_runs (
  job         TEXT NOT NULL,
  -- What the run covers, e.g. '2026-12-03T10:15Z' (a 15-minute slot) or '2026-12-03' (a day).
  period      TEXT NOT NULL,
  -- Unix milliseconds.
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  -- 'running', 'ok' or 'error' (a throw or a timeout).
  status      TEXT NOT NULL,
  error       TEXT,
  items       INTEGER NOT NULL DEFAULT 0,
  detail      TEXT NOT NULL DEFAULT '',
  -- Runs of this period so far (a failed period is retried by the next trigger).
  attempts    INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (job, period)
);

CREATE INDEX job_runs_started ON job_runs (job, started_at);

CREATE TABLE job_state (
  job             TEXT PRIMARY KEY,
  -- When the dispatcher first saw the job: a job that never succeeded is late from here on.
  first_seen_at   INTEGER NOT NULL,
  last_run_at     INTEGER,
  last_status     TEXT,
  last_success_at INTEGER,
  last_error      TEXT,
  -- 'failed' or 'late' while an operator alert is open (sent once), NULL otherwise.
  alert           TEXT,
  alerted_at      INTEGER
);

-- Mails that must go out at most once: reports, alerts, the operator's daily email
-- (workers/jobs/ledger.ts). The key names the mail and its period.
CREATE TABLE notifications_sent (
  key     TEXT PRIMARY KEY,
  sent_at INTEGER NOT NULL
);

CREATE INDEX notifications_sent_at ON notifications_sent (sent_at);
