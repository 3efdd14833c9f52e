-- Sites owned by accounts, and API keys (issue 4). Builds on 0001 (sites) and 0002 (accounts).

-- The billing profile that owns the site. NULL only for sites seeded by our own scripts (the
-- demo site): no account can see or change those through the API.
ALTER TABLE sites ADD COLUMN billing_profile_id INTEGER;
-- 1: anyone may read the site's dashboard without signing in.
ALTER TABLE sites ADD COLUMN public_dashboard INTEGER NOT NULL DEFAULT 0;
-- Shared link: a random id in the link's URL, optionally guarded by a password (PBKDF2-SHA256).
ALTER TABLE sites ADD COLUMN shared_link_id TEXT;
ALTER TABLE sites ADD COLUMN shared_link_password_hash TEXT;
ALTER TABLE sites ADD COLUMN shared_link_password_salt TEXT;
-- JSON array of path patterns whose events are dropped at the edge (`*` within one segment,
-- `**` across segments); see workers/ingest/drop/excluded-path.ts.
ALTER TABLE sites ADD COLUMN excluded_paths TEXT NOT NULL DEFAULT '[]';
-- Unix seconds after which the cron hard-deletes a soft-deleted site and all its data.
ALTER TABLE sites ADD COLUMN delete_after INTEGER;

-- A soft delete renames the domain to `<domain>#deleted-<id>`, so UNIQUE(domain) releases the
-- domain at once (it can be added again, as a new site) while the old rows wait for the cron.
CREATE INDEX IF NOT EXISTS sites_by_billing_profile ON sites (billing_profile_id, deleted_at);
CREATE UNIQUE INDEX IF NOT EXISTS sites_by_shared_link ON sites (shared_link_id) WHERE shared_link_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS sites_due_for_deletion ON sites (delete_after) WHERE delete_after IS NOT NULL;

-- API keys for the Stats API and server-side events. The secret (`eb_live_` + 32 random bytes,
-- base64url) is shown once at creation; only its SHA-256 and a short visible prefix are stored.
CREATE TABLE IF NOT EXISTS api_keys (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  billing_profile_id INTEGER NOT NULL,
  -- NULL: the key works for every site of the billing profile; otherwise for this site only.
  site_id            INTEGER REFERENCES sites (id) ON DELETE CASCADE,
  name               TEXT NOT NULL,
  -- `eb_live_` + the first 8 characters of the secret part, so owners can tell keys apart.
  prefix             TEXT NOT NULL,
  -- SHA-256 of the whole key, hex. A key has 256 random bits, so a fast hash is enough.
  secret_hash        TEXT NOT NULL UNIQUE,
  -- Comma-separated, e.g. 'stats:read,events:write'.
  scopes             TEXT NOT NULL,
  created_at         INTEGER NOT NULL,           -- unix seconds
  last_used_at       INTEGER,                    -- unix seconds, updated at most once a minute
  revoked_at         INTEGER                     -- unix seconds; a revoked key never works again
);

CREATE INDEX IF NOT EXISTS api_keys_by_billing_profile ON api_keys (billing_profile_id, revoked_at);
CREATE INDEX IF NOT EXISTS api_keys_by_site ON api_keys (site_id);
