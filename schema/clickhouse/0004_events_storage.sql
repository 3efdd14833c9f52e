-- Smaller `events`: 26.6 → 18.6 compressed bytes per event on the 10 M-event seed (a copy of
-- `events` with these changes, fully merged; budget ≤ 20 B in DESIGN.md). The timings go from
-- 0.8–1.2 B each to about 0.5 B; `event_id` took 4.0 B.
--
-- 1. `event_id` goes (4.0 B per event). Nothing needs it: a retried queue batch is recognised by
--    its insert_deduplication_token (the batch id), not by event ids, and the only reader was
--    `sessions_hourly_mv`, which ordered a visit's events by it for entry/exit page and the
--    visit's first source, location and device. It now orders them by the event's second:
--    seconds × 1000 shifted left by 22 bits, the scale of the old ids (milliseconds << 22), so the
--    state type `AggregateFunction(argMin, String, UInt64)` stays and states written before this
--    migration still compare correctly with states written after it (a visit in progress while
--    it runs keeps its entry and exit page).
--    Ties: events of one visit within the same second have equal keys. Within one insert (one
--    queue batch) the row inserted first wins, for argMin and argMax alike: of two pageviews in
--    the same second, the first is both the entry and, if nothing follows, the exit page. Between
--    inserts a same-second tie goes to whichever state ClickHouse happens to merge first.
--    MODIFY QUERY swaps the view's query atomically, so no insert slips past the view; the engine
--    refuses to drop a column a view still reads, hence the view first.
-- 2. Sparse serialization for columns that are mostly default, including the Nullable timings
--    (NULL on three rows of four): a sparse column stores only the rows that have a value.
--    `nullable_serialization_version` needs ClickHouse ≥ 26.1 (docs/clickhouse.md, "Production").
--    Like codec changes, this applies to new parts and to old parts as they merge.
--
-- Every statement can run again, so a run that failed halfway is simply applied again.

ALTER TABLE sessions_hourly_mv MODIFY QUERY
WITH bitShiftLeft(toUInt64(toUnixTimestamp(e.timestamp)) * 1000, 22) AS t
SELECT
    site_id,
    toStartOfHour(e.timestamp) AS hour,
    session_id,
    any(e.visitor_id) AS visitor_id,
    min(e.timestamp) AS started_at,
    max(e.timestamp) AS ended_at,
    countIf(e.kind = 'pageview') AS pageviews,
    countIf(e.kind = 'custom' AND e.interactive = 1) AS interactive_events,
    count() AS events,
    sum(ifNull(e.engaged_ms, 0)) AS engaged_ms,
    -- Entry and exit pages come from pageviews; the rest from whichever event came first.
    argMinStateIf(toString(e.hostname), t, e.kind = 'pageview') AS entry_hostname,
    argMinStateIf(e.pathname, t, e.kind = 'pageview') AS entry_page,
    argMaxStateIf(e.pathname, t, e.kind = 'pageview') AS exit_page,
    argMinState(e.referrer, t) AS referrer,
    argMinState(toString(e.referrer_source), t) AS referrer_source,
    argMinState(toString(e.channel), t) AS channel,
    argMinState(toString(e.utm_source), t) AS utm_source,
    argMinState(toString(e.utm_medium), t) AS utm_medium,
    argMinState(toString(e.utm_campaign), t) AS utm_campaign,
    argMinState(toString(e.utm_content), t) AS utm_content,
    argMinState(toString(e.utm_term), t) AS utm_term,
    argMinState(toStringCutToZero(e.country), t) AS country,
    argMinState(toString(e.region), t) AS region,
    argMinState(toString(e.city), t) AS city,
    argMinState(toString(e.device), t) AS device,
    argMinState(toString(e.browser), t) AS browser,
    argMinState(toString(e.browser_version), t) AS browser_version,
    argMinState(toString(e.os), t) AS os,
    argMinState(toString(e.os_version), t) AS os_version
FROM events AS e
GROUP BY site_id, hour, session_id;

ALTER TABLE events DROP COLUMN IF EXISTS event_id;

ALTER TABLE events MODIFY SETTING
    ratio_of_defaults_for_sparse_serialization = 0.5,
    nullable_serialization_version = 'allow_sparse';
