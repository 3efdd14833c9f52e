-- Accounts: users, billing profiles, sessions and everything login security needs.
-- Secrets are never stored in the clear: passwords as PBKDF2 hashes, session ids, email tokens,
-- recovery codes and invite codes as SHA-256 hashes, TOTP secrets sealed with AES-GCM
-- (functions/auth/secret-box.ts). Times are UTC ISO-8601 strings ('2026-11-20T10:00:00.000Z'),
-- which compare correctly as text.

CREATE TABLE IF NOT EXISTS users (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  -- Lower-cased and trimmed before it gets here, so UNIQUE means one account per address.
  email               TEXT NOT NULL UNIQUE,
  password_hash       TEXT NOT NULL,            -- PBKDF2-SHA256, base64url
  password_salt       TEXT NOT NULL,            -- 16 random bytes, base64url
  password_iterations INTEGER NOT NULL,
  email_verified_at   TEXT,
  -- AES-GCM sealed base32 secret. Set by 2fa/setup; 2FA is on only once totp_enabled_at is set.
  totp_secret         TEXT,
  totp_enabled_at     TEXT,
  -- Last accepted TOTP time step: a code is accepted once, and never an older one after it.
  totp_last_step      INTEGER,
  created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Who pays. Separate from users so a team can own one later; today each user owns exactly one.
CREATE TABLE IF NOT EXISTS billing_profiles (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_user_id INTEGER NOT NULL REFERENCES users (id),
  plan_code     TEXT NOT NULL DEFAULT 'free',
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS billing_profiles_owner ON billing_profiles (owner_user_id);

-- Sessions. The cookie holds a random 256-bit id; only its SHA-256 is here, so a leaked
-- database cannot be replayed as cookies. The CSRF token is derived from the id (HMAC), so it
-- is not stored either. `id` is the public handle used by the session list.
CREATE TABLE IF NOT EXISTS sessions (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  id_hash            TEXT NOT NULL UNIQUE,
  user_id            INTEGER NOT NULL REFERENCES users (id),
  -- 1 between a correct password and the second factor: such a session can only call login/2fa.
  mfa_pending        INTEGER NOT NULL DEFAULT 0,
  created_at         TEXT NOT NULL,
  last_seen_at       TEXT NOT NULL,
  expires_at         TEXT NOT NULL,
  revoked_at         TEXT,
  -- 'Firefox on macOS': parsed once, the raw user agent is never stored. No IP either.
  user_agent_summary TEXT NOT NULL DEFAULT '',
  country            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id, revoked_at);

-- Sign-in history for the user and for the security email; coarse place only, never the IP.
CREATE TABLE IF NOT EXISTS login_events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id),
  at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  -- 'success' | 'mfa_required' | 'bad_password' | 'bad_second_factor' | 'recovery_code'
  outcome TEXT NOT NULL,
  browser TEXT NOT NULL DEFAULT '',
  os      TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  city    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS login_events_user ON login_events (user_id, at);

-- Emailed one-time tokens (SHA-256 only): email verification and password reset.
CREATE TABLE IF NOT EXISTS email_tokens (
  hash       TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  expires_at TEXT NOT NULL,
  used_at    TEXT
);
CREATE INDEX IF NOT EXISTS email_tokens_user ON email_tokens (user_id, purpose);

-- 2FA recovery codes (SHA-256 only), each usable once.
CREATE TABLE IF NOT EXISTS recovery_codes (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id   INTEGER NOT NULL REFERENCES users (id),
  code_hash TEXT NOT NULL,
  used_at   TEXT
);
CREATE INDEX IF NOT EXISTS recovery_codes_user ON recovery_codes (user_id, code_hash);

-- Every email sent. In development (no MAIL_API_TOKEN) this table is the mailbox, read at
-- /dev/mail, and holds messages in full, links with tokens included. With a provider configured
-- the message goes to the provider and only a copy with its tokens redacted is kept here.
CREATE TABLE IF NOT EXISTS email_outbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  to_address  TEXT NOT NULL,
  subject     TEXT NOT NULL,
  text        TEXT NOT NULL,
  html        TEXT NOT NULL,
  -- 'verify' | 'reset' | 'login_alert' | ...
  kind        TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  sent_at     TEXT,
  provider_id TEXT,
  error       TEXT
);
CREATE INDEX IF NOT EXISTS email_outbox_to ON email_outbox (to_address, kind);

-- Account and data deletion requests, worked off by a cron job (a later issue).
CREATE TABLE IF NOT EXISTS deletion_requests (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id      INTEGER NOT NULL REFERENCES users (id),
  kind         TEXT NOT NULL,
  requested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  completed_at TEXT
);

-- Invite codes for INVITE_ONLY deployments (SHA-256 only); each admits one signup.
CREATE TABLE IF NOT EXISTS invites (
  code_hash  TEXT PRIMARY KEY,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  used_by    INTEGER REFERENCES users (id),
  used_at    TEXT
);
