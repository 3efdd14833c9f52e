-- Scroll depth and time on page per visit, as Plausible computes them (issue 15): a visit's deepest
-- scroll and its summed engaged time on a page, averaged over the visits that sent any. They were
-- averaged per engagement event from `pages_hourly`'s four sums, which cannot give a visit's
-- maximum: a visit's pings on a page arrive in several inserts and hours. Readers now take these
-- two metrics from raw engagement events per visit (functions/stats/plan/engagement.ts), and the
-- seal job writes a day's per-visit sums into the same four `stats_daily` columns (a visit never
-- spans two UTC days).
--
-- So `pages_hourly` keeps pageviews and visitors only: the view stops writing the four sums and
-- the engagement-only rows (pageviews 0, which no reader kept), and the columns go (0.67 of the
-- 35.4 compressed bytes per event on the 10 M-event seed). MODIFY QUERY swaps the view's SELECT
-- without a moment in which inserts skip it; the columns are dropped after, when nothing writes
-- them.

ALTER TABLE pages_hourly_mv MODIFY QUERY
SELECT
    site_id,
    toStartOfHour(timestamp) AS hour,
    hostname,
    pathname,
    count() AS pageviews,
    uniqState(visitor_id) AS visitors
FROM events
WHERE kind = 'pageview'
GROUP BY site_id, hour, hostname, pathname;

ALTER TABLE pages_hourly
    DROP COLUMN IF EXISTS engaged_ms_sum,
    DROP COLUMN IF EXISTS engaged_count,
    DROP COLUMN IF EXISTS scroll_depth_sum,
    DROP COLUMN IF EXISTS scroll_depth_count;

-- Days sealed before hold per-event averages' sums. Forgetting every seal makes readers take the
-- hourly rollups (and engagement events) until the seal job has written each day again, newest
-- first (SEAL_DAYS_PER_RUN per run); the old rows, registered nowhere, are deleted by its next runs
-- (`deleteSuperseded`).
TRUNCATE TABLE stats_sealed;
