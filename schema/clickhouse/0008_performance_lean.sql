-- Leaner performance rollups for POST /api/stats/performance (functions/performance/plan.ts,
-- docs/performance-api.md): 0006's span tables weighed about 40 compressed bytes per event on the
-- 10 M-event seed (issue 13), because every hour's histogram went into ~33 site rows (the hour, 24
-- sliding 24-hour windows, aligned blocks of 1–256 days) and ~10 page rows. Here each performance
-- event is counted in exactly one row of each table:
--
-- * `performance_site_days`: per site and UTC day;
-- * `performance_page_days`: per site, UTC day and page.
--
-- A range is the whole UTC days it mostly covers, corrected hour by hour from `events`: hours of
-- the range outside those days are added, hours of those days outside the range taken away, read
-- from the raw table through the same key expression as below (`histogramKeysSql` in
-- functions/performance/histogram.ts; test/unit/performance/histogram.test.ts checks this file holds
-- it). A local day of the site's zone is its UTC day plus or minus the hours of the offset, and
-- `time:hour` reads its hours from `events` alone: the dashboard asks by hour for at most two days.
--
-- `counts` maps a key to a count, summed on merge. One key per reported timing: metric m (0 … 8, in
-- the order of METRICS: lcp, inp, cls, fcp, ttfb, dns, connect, dom_interactive, load), bucket b
-- (0 … 199), band g (0 good, 1 needs improvement, 2 poor; always 0 for the last four metrics):
-- key m * 600 + 3 * b + g. So one key gives both the percentile bucket and the exact band: 0006
-- spent a second key per banded metric on the band and one on the sample count (`samples` holds it).
-- A timing v (milliseconds; CLS in units of 0.0001) falls in bucket v when v < 25, else in bucket
-- 25 + floor(ln(v / 25) / ln(1.08)): exact below 25, then buckets 8 % wide, so a percentile is
-- within 4 % of the true value (0006: 2 % wide buckets, within 1 %). On a sparse page-day the
-- histogram is little more than the list of its timings, so the bucket width is what sets the
-- bytes: 2 % buckets weighed 4.0 B per event here, these 2.8 B (docs/performance-api.md).
-- Band thresholds, as BANDS in histogram.ts (CLS compared as Float32, like the column):
--     LCP good <= 2500 ms, poor > 4000 ms     INP  good <= 200 ms,  poor > 500 ms
--     CLS good <= 0.1,     poor > 0.25        FCP  good <= 1800 ms, poor > 3000 ms
--     TTFB good <= 800 ms, poor > 1800 ms
--
-- Existing events are counted once, by the INSERT before each view, which runs only into an empty
-- table, so running this file again cannot count anything twice (an event inserted between an
-- INSERT and its view is not counted, as in 0005 and 0006). The old views go last, so the
-- endpoint's old reads keep working until the new tables are full. Hard site deletion covers both
-- tables (every MergeTree table with a site_id column).

-- The site as a whole: 30 days of the biggest site are 30 rows.
CREATE TABLE IF NOT EXISTS performance_site_days
(
    site_id  UInt32,
    day      Date,
    samples  SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(3)),
    counts   SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64))) CODEC(ZSTD(3))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site_id, day)
SETTINGS index_granularity = 16, non_replicated_deduplication_window = 10000;

INSERT INTO performance_site_days
SELECT site_id, toDate(timestamp) AS day, count() AS samples, sumMap(keys, arrayMap(k -> toUInt64(1), keys)) AS counts
FROM
(
    SELECT
        site_id,
        timestamp,
        arrayFilter(k -> k != 65535, arrayMap((u, v, good, poor, m) -> if(u IS NULL, 65535,
            toUInt16(m * 600 + 3 * least(if(assumeNotNull(u) < 25, assumeNotNull(u), 25 + floor(log(assumeNotNull(u) / 25) / log(1.08))), 199) + (assumeNotNull(v) > good) + (assumeNotNull(v) > poor))),
            [toFloat64(lcp_ms), toFloat64(inp_ms), round(cls * 10000), toFloat64(fcp_ms), toFloat64(ttfb_ms), toFloat64(dns_ms), toFloat64(connect_ms), toFloat64(dom_interactive_ms), toFloat64(load_ms)],
            [toFloat64(lcp_ms), toFloat64(inp_ms), toFloat64(cls), toFloat64(fcp_ms), toFloat64(ttfb_ms), 0, 0, 0, 0],
            [2500, 200, toFloat64(toFloat32(0.1)), 1800, 800, 0, 0, 0, 0],
            [4000, 500, toFloat64(toFloat32(0.25)), 3000, 1800, 0, 0, 0, 0],
            range(9))) AS keys
    FROM events
    WHERE (lcp_ms IS NOT NULL OR inp_ms IS NOT NULL OR cls IS NOT NULL OR fcp_ms IS NOT NULL OR ttfb_ms IS NOT NULL OR dns_ms IS NOT NULL OR connect_ms IS NOT NULL OR dom_interactive_ms IS NOT NULL OR load_ms IS NOT NULL)
      AND (SELECT count() FROM performance_site_days) = 0
)
GROUP BY site_id, day;

CREATE MATERIALIZED VIEW IF NOT EXISTS performance_site_days_mv TO performance_site_days AS
SELECT site_id, toDate(timestamp) AS day, count() AS samples, sumMap(keys, arrayMap(k -> toUInt64(1), keys)) AS counts
FROM
(
    SELECT
        site_id,
        timestamp,
        arrayFilter(k -> k != 65535, arrayMap((u, v, good, poor, m) -> if(u IS NULL, 65535,
            toUInt16(m * 600 + 3 * least(if(assumeNotNull(u) < 25, assumeNotNull(u), 25 + floor(log(assumeNotNull(u) / 25) / log(1.08))), 199) + (assumeNotNull(v) > good) + (assumeNotNull(v) > poor))),
            [toFloat64(lcp_ms), toFloat64(inp_ms), round(cls * 10000), toFloat64(fcp_ms), toFloat64(ttfb_ms), toFloat64(dns_ms), toFloat64(connect_ms), toFloat64(dom_interactive_ms), toFloat64(load_ms)],
            [toFloat64(lcp_ms), toFloat64(inp_ms), toFloat64(cls), toFloat64(fcp_ms), toFloat64(ttfb_ms), 0, 0, 0, 0],
            [2500, 200, toFloat64(toFloat32(0.1)), 1800, 800, 0, 0, 0, 0],
            [4000, 500, toFloat64(toFloat32(0.25)), 3000, 1800, 0, 0, 0, 0],
            range(9))) AS keys
    FROM events
    WHERE lcp_ms IS NOT NULL OR inp_ms IS NOT NULL OR cls IS NOT NULL OR fcp_ms IS NOT NULL OR ttfb_ms IS NOT NULL OR dns_ms IS NOT NULL OR connect_ms IS NOT NULL OR dom_interactive_ms IS NOT NULL OR load_ms IS NOT NULL
)
GROUP BY site_id, day;

-- Per page, a page's days side by side: a page's histograms look alike from day to day, which
-- compresses about 5 % better than the pages of one day side by side.
CREATE TABLE IF NOT EXISTS performance_page_days
(
    site_id  UInt32,
    day      Date,
    pathname String CODEC(ZSTD(3)),
    samples  SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(3)),
    counts   SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64))) CODEC(ZSTD(3))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site_id, pathname, day)
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

INSERT INTO performance_page_days
SELECT site_id, toDate(timestamp) AS day, pathname, count() AS samples, sumMap(keys, arrayMap(k -> toUInt64(1), keys)) AS counts
FROM
(
    SELECT
        site_id,
        timestamp,
        pathname,
        arrayFilter(k -> k != 65535, arrayMap((u, v, good, poor, m) -> if(u IS NULL, 65535,
            toUInt16(m * 600 + 3 * least(if(assumeNotNull(u) < 25, assumeNotNull(u), 25 + floor(log(assumeNotNull(u) / 25) / log(1.08))), 199) + (assumeNotNull(v) > good) + (assumeNotNull(v) > poor))),
            [toFloat64(lcp_ms), toFloat64(inp_ms), round(cls * 10000), toFloat64(fcp_ms), toFloat64(ttfb_ms), toFloat64(dns_ms), toFloat64(connect_ms), toFloat64(dom_interactive_ms), toFloat64(load_ms)],
            [toFloat64(lcp_ms), toFloat64(inp_ms), toFloat64(cls), toFloat64(fcp_ms), toFloat64(ttfb_ms), 0, 0, 0, 0],
            [2500, 200, toFloat64(toFloat32(0.1)), 1800, 800, 0, 0, 0, 0],
            [4000, 500, toFloat64(toFloat32(0.25)), 3000, 1800, 0, 0, 0, 0],
            range(9))) AS keys
    FROM events
    WHERE (lcp_ms IS NOT NULL OR inp_ms IS NOT NULL OR cls IS NOT NULL OR fcp_ms IS NOT NULL OR ttfb_ms IS NOT NULL OR dns_ms IS NOT NULL OR connect_ms IS NOT NULL OR dom_interactive_ms IS NOT NULL OR load_ms IS NOT NULL)
      AND (SELECT count() FROM performance_page_days) = 0
)
GROUP BY site_id, day, pathname;

CREATE MATERIALIZED VIEW IF NOT EXISTS performance_page_days_mv TO performance_page_days AS
SELECT site_id, toDate(timestamp) AS day, pathname, count() AS samples, sumMap(keys, arrayMap(k -> toUInt64(1), keys)) AS counts
FROM
(
    SELECT
        site_id,
        timestamp,
        pathname,
        arrayFilter(k -> k != 65535, arrayMap((u, v, good, poor, m) -> if(u IS NULL, 65535,
            toUInt16(m * 600 + 3 * least(if(assumeNotNull(u) < 25, assumeNotNull(u), 25 + floor(log(assumeNotNull(u) / 25) / log(1.08))), 199) + (assumeNotNull(v) > good) + (assumeNotNull(v) > poor))),
            [toFloat64(lcp_ms), toFloat64(inp_ms), round(cls * 10000), toFloat64(fcp_ms), toFloat64(ttfb_ms), toFloat64(dns_ms), toFloat64(connect_ms), toFloat64(dom_interactive_ms), toFloat64(load_ms)],
            [toFloat64(lcp_ms), toFloat64(inp_ms), toFloat64(cls), toFloat64(fcp_ms), toFloat64(ttfb_ms), 0, 0, 0, 0],
            [2500, 200, toFloat64(toFloat32(0.1)), 1800, 800, 0, 0, 0, 0],
            [4000, 500, toFloat64(toFloat32(0.25)), 3000, 1800, 0, 0, 0, 0],
            range(9))) AS keys
    FROM events
    WHERE lcp_ms IS NOT NULL OR inp_ms IS NOT NULL OR cls IS NOT NULL OR fcp_ms IS NOT NULL OR ttfb_ms IS NOT NULL OR dns_ms IS NOT NULL OR connect_ms IS NOT NULL OR dom_interactive_ms IS NOT NULL OR load_ms IS NOT NULL
)
GROUP BY site_id, day, pathname;

-- The span tables of 0006: the view goes first, so no insert writes to a dropped table.
DROP VIEW IF EXISTS performance_site_spans_mv;

DROP TABLE IF EXISTS performance_site_spans;

DROP VIEW IF EXISTS performance_page_spans_mv;

DROP TABLE IF EXISTS performance_page_spans;
