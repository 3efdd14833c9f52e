-- Sealed days: each ended UTC day's figures, counted once and stored as plain numbers, so a
-- dashboard over 30 days reads a few thousand small rows instead of merging hundreds of thousands
-- of rollup states (docs/clickhouse.md, "Sealed days"; docs/benchmarks.md has the figures).
--
-- Why visitors can be summed over days: a visitor id is a keyed hash with the salt of its UTC day
-- (workers/ingest/visitor.ts), so ids of different UTC days never meet; the unique visitors of a
-- range are the sum of each UTC day's unique visitors. Visits are keyed by the UTC hour and never
-- span two days either.
--
-- The seal job (functions/stats/seal.ts, run by the 15-minute cron) writes a site's day once the
-- day has ended (plus a grace hour) and writes it again whenever the site's event count for the
-- day in `usage_hourly` changes (events that arrive late: queue retries, an outage replay). Every
-- write carries a new `version`; readers only take rows whose (day, version) is the site's newest
-- entry in `stats_sealed`, so a reader sees a day's old figures or its new ones, never half of
-- each. Days that are not sealed (today, and any day not yet written) are read from the hourly
-- rollups.

-- One row per site, UTC day and dimension value. `dim` names the source and column:
--   entry_page, exit_page, referrer, source, channel, utm_source, utm_medium, utm_campaign,
--   utm_content, utm_term, browser_version, os_version
--                              a visit's first (last) value, from sessions_hourly
--   country, region, city, device, browser, os
--                              per event, from geo_devices_hourly
--   page                       pathname, from pages_hourly
--   goal                       custom event name, from events_hourly
-- Each dim fills the columns its source has; the others stay 0.
CREATE TABLE IF NOT EXISTS stats_daily
(
    site_id            UInt32,
    dim                LowCardinality(String),
    day                Date,
    version            UInt32,
    value              String CODEC(ZSTD(3)),
    visitors           UInt64,
    visits             UInt64,
    pageviews          UInt64,
    events             UInt64,
    bounces            UInt64,
    duration           UInt64,
    scroll_depth_sum   UInt64,
    scroll_depth_count UInt64,
    engaged_ms_sum     UInt64,
    engaged_count      UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site_id, dim, day, value);

-- The site as a whole, hour by hour, for charts in any time zone: a site's local day covers the
-- end of one UTC day and the start of the next, and its visitors are the visitors of
-- hours [c, 24) of the first plus those of hours [0, c) of the second. `visitors_from` counts the
-- day's visitors seen at this hour or later, `visitors_to` those seen at this hour or earlier;
-- visits, pageviews, bounces and duration add up hour by hour.
CREATE TABLE IF NOT EXISTS stats_hours
(
    site_id       UInt32,
    day           Date,
    version       UInt32,
    hour          UInt8,
    visitors_from UInt64,
    visitors_to   UInt64,
    visits        UInt64,
    pageviews     UInt64,
    bounces       UInt64,
    duration      UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site_id, day, hour);

-- Which version of each site's day readers take (the newest), and the event count it was sealed
-- with. Per site, so late events of one site re-seal that site's day only.
CREATE TABLE IF NOT EXISTS stats_sealed
(
    site_id   UInt32,
    day       Date,
    version   UInt32,
    events    UInt64,
    sealed_at DateTime('UTC')
)
ENGINE = MergeTree
ORDER BY (site_id, day, version);

-- Performance of the site as a whole (no page): what the overall and over-time performance
-- panels read, one row per hour instead of one per page and hour.
CREATE TABLE IF NOT EXISTS performance_site_hourly
(
    site_id            UInt32,
    hour               DateTime('UTC'),
    samples            SimpleAggregateFunction(sum, UInt64),
    lcp_ms             AggregateFunction(quantileTDigest, UInt32),
    inp_ms             AggregateFunction(quantileTDigest, UInt32),
    cls                AggregateFunction(quantileTDigest, Float32),
    fcp_ms             AggregateFunction(quantileTDigest, UInt32),
    ttfb_ms            AggregateFunction(quantileTDigest, UInt32),
    dns_ms             AggregateFunction(quantileTDigest, UInt32),
    connect_ms         AggregateFunction(quantileTDigest, UInt32),
    dom_interactive_ms AggregateFunction(quantileTDigest, UInt32),
    load_ms            AggregateFunction(quantileTDigest, UInt32),
    lcp_good           SimpleAggregateFunction(sum, UInt64),
    lcp_needs_improvement SimpleAggregateFunction(sum, UInt64),
    lcp_poor           SimpleAggregateFunction(sum, UInt64),
    inp_good           SimpleAggregateFunction(sum, UInt64),
    inp_needs_improvement SimpleAggregateFunction(sum, UInt64),
    inp_poor           SimpleAggregateFunction(sum, UInt64),
    cls_good           SimpleAggregateFunction(sum, UInt64),
    cls_needs_improvement SimpleAggregateFunction(sum, UInt64),
    cls_poor           SimpleAggregateFunction(sum, UInt64),
    fcp_good           SimpleAggregateFunction(sum, UInt64),
    fcp_needs_improvement SimpleAggregateFunction(sum, UInt64),
    fcp_poor           SimpleAggregateFunction(sum, UInt64),
    ttfb_good          SimpleAggregateFunction(sum, UInt64),
    ttfb_needs_improvement SimpleAggregateFunction(sum, UInt64),
    ttfb_poor          SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site_id, hour)
SETTINGS non_replicated_deduplication_window = 10000;

-- Existing data first (merged from the per-page rollup), then the view for new inserts.
INSERT INTO performance_site_hourly
SELECT
    site_id, hour, sum(samples),
    quantileTDigestMergeState(lcp_ms), quantileTDigestMergeState(inp_ms), quantileTDigestMergeState(cls),
    quantileTDigestMergeState(fcp_ms), quantileTDigestMergeState(ttfb_ms), quantileTDigestMergeState(dns_ms),
    quantileTDigestMergeState(connect_ms), quantileTDigestMergeState(dom_interactive_ms),
    quantileTDigestMergeState(load_ms),
    sum(lcp_good), sum(lcp_needs_improvement), sum(lcp_poor),
    sum(inp_good), sum(inp_needs_improvement), sum(inp_poor),
    sum(cls_good), sum(cls_needs_improvement), sum(cls_poor),
    sum(fcp_good), sum(fcp_needs_improvement), sum(fcp_poor),
    sum(ttfb_good), sum(ttfb_needs_improvement), sum(ttfb_poor)
FROM performance_hourly
-- Only into an empty table, so running this file twice cannot count anything twice.
WHERE (SELECT count() FROM performance_site_hourly) = 0
GROUP BY site_id, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS performance_site_hourly_mv TO performance_site_hourly AS
SELECT
    site_id,
    toStartOfHour(e.timestamp) AS hour,
    count() AS samples,
    quantileTDigestStateIf(assumeNotNull(e.lcp_ms), e.lcp_ms IS NOT NULL) AS lcp_ms,
    quantileTDigestStateIf(assumeNotNull(e.inp_ms), e.inp_ms IS NOT NULL) AS inp_ms,
    quantileTDigestStateIf(assumeNotNull(e.cls), e.cls IS NOT NULL) AS cls,
    quantileTDigestStateIf(assumeNotNull(e.fcp_ms), e.fcp_ms IS NOT NULL) AS fcp_ms,
    quantileTDigestStateIf(assumeNotNull(e.ttfb_ms), e.ttfb_ms IS NOT NULL) AS ttfb_ms,
    quantileTDigestStateIf(assumeNotNull(e.dns_ms), e.dns_ms IS NOT NULL) AS dns_ms,
    quantileTDigestStateIf(assumeNotNull(e.connect_ms), e.connect_ms IS NOT NULL) AS connect_ms,
    quantileTDigestStateIf(assumeNotNull(e.dom_interactive_ms), e.dom_interactive_ms IS NOT NULL) AS dom_interactive_ms,
    quantileTDigestStateIf(assumeNotNull(e.load_ms), e.load_ms IS NOT NULL) AS load_ms,
    countIf(e.lcp_ms <= 2500) AS lcp_good,
    countIf(e.lcp_ms > 2500 AND e.lcp_ms <= 4000) AS lcp_needs_improvement,
    countIf(e.lcp_ms > 4000) AS lcp_poor,
    countIf(e.inp_ms <= 200) AS inp_good,
    countIf(e.inp_ms > 200 AND e.inp_ms <= 500) AS inp_needs_improvement,
    countIf(e.inp_ms > 500) AS inp_poor,
    countIf(e.cls <= toFloat32(0.1)) AS cls_good,
    countIf(e.cls > toFloat32(0.1) AND e.cls <= 0.25) AS cls_needs_improvement,
    countIf(e.cls > 0.25) AS cls_poor,
    countIf(e.fcp_ms <= 1800) AS fcp_good,
    countIf(e.fcp_ms > 1800 AND e.fcp_ms <= 3000) AS fcp_needs_improvement,
    countIf(e.fcp_ms > 3000) AS fcp_poor,
    countIf(e.ttfb_ms <= 800) AS ttfb_good,
    countIf(e.ttfb_ms > 800 AND e.ttfb_ms <= 1800) AS ttfb_needs_improvement,
    countIf(e.ttfb_ms > 1800) AS ttfb_poor
FROM events AS e
WHERE e.lcp_ms IS NOT NULL OR e.inp_ms IS NOT NULL OR e.cls IS NOT NULL OR e.fcp_ms IS NOT NULL
   OR e.ttfb_ms IS NOT NULL OR e.dns_ms IS NOT NULL OR e.connect_ms IS NOT NULL
   OR e.dom_interactive_ms IS NOT NULL OR e.load_ms IS NOT NULL
GROUP BY site_id, hour;
