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
