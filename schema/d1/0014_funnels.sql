-- Funnels (issue 14, functions/funnels, docs/funnels.md): 2 to 8 of a site's goals in order. A
-- visitor reaches step n when, within one visit, they completed steps 1..n in that order
-- (POST /api/v2/funnel answers it from raw events with ClickHouse's windowFunnel).
-- At most 20 funnels per site (MAX_FUNNELS_PER_SITE, checked by the API in the insert itself).
CREATE TABLE site_funnels (
  id         INTEGER PRIMARY KEY,
  -- Deleting the site (the cron's hard delete) takes its funnels with it.
  site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  -- JSON array of site_goals ids, step 1 first. Not a child table with foreign keys: the API checks
  -- that every id is a goal of the same site in the statement that writes the funnel, and a goal a
  -- funnel uses cannot be deleted (functions/goals/store.ts deleteGoal answers 409 goal_in_funnel),
  -- so the list never names a missing goal.
  steps      TEXT NOT NULL CHECK (json_valid(steps) AND json_array_length(steps) BETWEEN 2 AND 8),
  -- Unix seconds.
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX site_funnels_name ON site_funnels (site_id, name);
