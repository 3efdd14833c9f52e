-- Sign-in protection (issue 10): a cap on second-factor guesses per pending session, and emailed
-- one-time sign-in links. (Failed sign-ins themselves are counted by the rate-limiter Durable
-- Objects, per IP and per account: functions/auth/login-guard.ts.)

-- Wrong second-factor codes sent with this pending session; the fifth revokes it.
ALTER TABLE sessions ADD COLUMN mfa_failures INTEGER NOT NULL DEFAULT 0;

-- email_tokens gains the purpose 'login': the emailed link that finishes a sign-in while the
-- account's failure limit has tripped. SQLite cannot alter a CHECK, so the table is rebuilt.
CREATE TABLE email_tokens_new (
  hash       TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'login')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  expires_at TEXT NOT NULL,
  used_at    TEXT
);
INSERT INTO email_tokens_new (hash, user_id, purpose, created_at, expires_at, used_at)
  SELECT hash, user_id, purpose, created_at, expires_at, used_at FROM email_tokens;
DROP TABLE email_tokens;
ALTER TABLE email_tokens_new RENAME TO email_tokens;
CREATE INDEX IF NOT EXISTS email_tokens_user ON email_tokens (user_id, purpose);
