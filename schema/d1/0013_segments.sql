-- Saved segments (issue 14, functions/segments, docs/segments.md): a named set of Stats API v2
-- filters, applied on the dashboard with one click or in a query as ["is", "segment", [<id>]].
--   personal  seen and used only by the user who saved it (created_by)
--   site      seen and used by everyone who can read the site (owners, API keys, shared links)
-- The API validates `filters` with the Stats API's own filter parser before storing them, refuses a
-- segment that names another segment, and keeps at most 500 segments per site
-- (MAX_SEGMENTS_PER_SITE, as Plausible).
CREATE TABLE site_segments (
  id         INTEGER PRIMARY KEY,
  -- Deleting the site (the cron's hard delete) takes its segments with it.
  site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  scope      TEXT NOT NULL CHECK (scope IN ('personal', 'site')),
  -- JSON: the v2 `filters` list as the API accepted it (at most 5 KB).
  filters    TEXT NOT NULL,
  -- The user who saved it: the owner of a personal segment. Not a foreign key to users, so removing
  -- a user can leave a site segment in place.
  created_by INTEGER NOT NULL,
  -- Unix seconds.
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- The list a user sees: the site's segments and their own personal ones.
CREATE INDEX site_segments_by_site ON site_segments (site_id, scope, created_by);
