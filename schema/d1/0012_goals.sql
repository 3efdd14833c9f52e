-- Goals configured per site (issue 14, functions/goals, docs/goals.md). Once a site has any,
-- `event:goal` in the Stats API means these goals (Plausible's semantics) instead of every custom
-- event name. Four kinds, each with its own columns (the others stay NULL):
--   event    a custom event name                               event_name
--   page     a pageview on a path pattern (`*`, `**` wildcards)  page_path
--   scroll   a page pattern scrolled to at least a threshold     page_path, scroll_threshold (1-100)
--   revenue  a custom event name carrying revenue in a currency  event_name, currency (ISO 4217)
-- At most 50 goals per site (MAX_GOALS_PER_SITE, checked by the API).
CREATE TABLE site_goals (
  id               INTEGER PRIMARY KEY,
  -- Deleting the site (the cron's hard delete) takes its goals with it.
  site_id          INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  kind             TEXT NOT NULL CHECK (kind IN ('event', 'page', 'scroll', 'revenue')),
  -- What the dashboard and `event:goal` show; unique per site.
  display_name     TEXT NOT NULL,
  event_name       TEXT,
  page_path        TEXT,
  scroll_threshold INTEGER CHECK (scroll_threshold IS NULL OR scroll_threshold BETWEEN 1 AND 100),
  currency         TEXT,
  -- Unix seconds.
  created_at       INTEGER NOT NULL,
  CHECK (
    (kind = 'event' AND event_name IS NOT NULL AND page_path IS NULL AND scroll_threshold IS NULL AND currency IS NULL)
    OR (kind = 'revenue' AND event_name IS NOT NULL AND page_path IS NULL AND scroll_threshold IS NULL AND currency IS NOT NULL)
    OR (kind = 'page' AND event_name IS NULL AND page_path IS NOT NULL AND scroll_threshold IS NULL AND currency IS NULL)
    OR (kind = 'scroll' AND event_name IS NULL AND page_path IS NOT NULL AND scroll_threshold IS NOT NULL AND currency IS NULL)
  )
);

CREATE UNIQUE INDEX site_goals_display_name ON site_goals (site_id, display_name);
-- One goal per custom event name (an event goal or a revenue goal, as in Plausible), one page goal
-- per pattern, one scroll goal per pattern and threshold.
CREATE UNIQUE INDEX site_goals_event ON site_goals (site_id, event_name) WHERE event_name IS NOT NULL;
CREATE UNIQUE INDEX site_goals_page ON site_goals (site_id, page_path, ifnull(scroll_threshold, 0))
  WHERE page_path IS NOT NULL;
