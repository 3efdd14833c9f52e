-- Performance rollups for POST /api/stats/performance (functions/performance/plan.ts, docs/performance-api.md).
--
-- Merging quantile digests is what made the endpoint slow: 720 hourly t-digest states per metric for
-- 30 days, per page for the page breakdown. Here every row holds a histogram instead, and a range is
-- answered from a handful of rows that cover it exactly, whatever the site's time zone:
--
-- * `span` is the row's length in hours and `start` its first hour (UTC): every hour (span 1), and
--   blocks of 1, 2, 4, … 256 days that start on a UTC midnight whose day number (days since
--   1970-01-01) is a multiple of the block's length (span 24 … 6144). Any run of whole UTC days is a
--   few such blocks; the hours at either end of a range come from the hourly rows (plan.ts,
--   `coverRange`).
-- * The site-wide table also has a 24-hour row starting at every hour (span 24, any `start`), so
--   each local day of any whole-hour time zone is one row (Berlin: 23:00 to 23:00 UTC in winter).
--   Its sort key keeps those rows together by their UTC hour of day, so the 30 local midnights of a
--   month sit next to each other.
-- * `counts` maps a key to a count, summed on merge:
--     metric m (0 … 8, in the order of METRICS in plan.ts: lcp, inp, cls, fcp, ttfb, dns, connect,
--     dom_interactive, load), bucket b (0 … 599):  key m * 600 + b
--     banded metric j (0 … 4: lcp, inp, cls, fcp, ttfb), band good / needs improvement / poor:
--                                                   key 5400 + 3 * j + 0 / 1 / 2
--     samples (performance events):                 key 5415
--   A timing v (milliseconds; CLS in units of 0.0001) falls in bucket v when v < 50, else in bucket
--   50 + floor(ln(v / 50) / ln(1.02)): exact below 50, then buckets 2 % wide, so the middle of a
--   bucket is within 1 % of any value in it. Bucket 599 would start near 2.6 million, beyond any
--   timing the tracker sends (10 minutes, CLS 100).
-- * Band thresholds, as in BANDS in plan.ts and the rollups of 0002 (keep them in step):
--     LCP good <= 2500 ms, poor > 4000 ms     INP  good <= 200 ms,  poor > 500 ms
--     CLS good <= 0.1,     poor > 0.25        FCP  good <= 1800 ms, poor > 3000 ms
--     TTFB good <= 800 ms, poor > 1800 ms     (CLS is compared as Float32, like the column)
--
-- The views count each insert per site, hour (page) and key, then add each hour's counts into every
-- row it belongs to. Existing events are counted once, by the INSERT before each view, which runs
-- only into an empty table, so running this file again cannot count anything twice (an event
-- inserted between an INSERT and its view is not counted, as in 0005). Hard site deletion covers
-- both tables (every MergeTree table with a site_id column).

-- The site as a whole.
CREATE TABLE IF NOT EXISTS performance_site_spans
(
    site_id UInt32,
    span    UInt16,
    start   DateTime('UTC'),
    samples SimpleAggregateFunction(sum, UInt64),
    counts  SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64))) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(start)
ORDER BY (site_id, span, if(span = 24, toHour(start), 0), start)
SETTINGS index_granularity = 8, non_replicated_deduplication_window = 10000;

INSERT INTO performance_site_spans
SELECT site_id, span, start, sumIf(n, key = 5415) AS samples, (groupArray(key), groupArray(n)) AS counts
FROM
(
    -- Each hour's counts, added into every row the hour belongs to.
    SELECT site_id, s.1 AS span, s.2 AS start, key, sum(n) AS n
    FROM
    (
        -- Per site, hour and key: how many performance events.
        SELECT site_id, hour, key, count() AS n
        FROM
        (
            WITH
            -- The nine timings in METRICS order (CLS in units of 0.0001), NULL when not reported.
            [toFloat64(e.lcp_ms), toFloat64(e.inp_ms), round(e.cls * 10000), toFloat64(e.fcp_ms), toFloat64(e.ttfb_ms),
             toFloat64(e.dns_ms), toFloat64(e.connect_ms), toFloat64(e.dom_interactive_ms), toFloat64(e.load_ms)] AS timings,
            -- The five banded metrics in BANDS order, and their thresholds (CLS compared as Float32).
            [toFloat64(e.lcp_ms), toFloat64(e.inp_ms), toFloat64(e.cls), toFloat64(e.fcp_ms), toFloat64(e.ttfb_ms)] AS banded,
            [2500, 200, toFloat64(toFloat32(0.1)), 1800, 800] AS good,
            [4000, 500, toFloat64(toFloat32(0.25)), 3000, 1800] AS poor
            SELECT
                e.site_id AS site_id,
                toStartOfHour(e.timestamp) AS hour,
                arrayJoin(arrayFilter(k -> k != 65535, arrayConcat(
                    arrayMap((v, i) -> if(v IS NULL, 65535, toUInt16((i - 1) * 600
                        + least(if(assumeNotNull(v) < 50, assumeNotNull(v), 50 + floor(log(assumeNotNull(v) / 50) / log(1.02))), 599))),
                        timings, arrayEnumerate(timings)),
                    arrayMap((v, i) -> if(v IS NULL, 65535, toUInt16(5397 + 3 * i
                        + (assumeNotNull(v) > good[i]) + (assumeNotNull(v) > poor[i]))),
                        banded, arrayEnumerate(banded)),
                    [toUInt16(5415)]))) AS key
            FROM events AS e
            WHERE (e.lcp_ms IS NOT NULL OR e.inp_ms IS NOT NULL OR e.cls IS NOT NULL OR e.fcp_ms IS NOT NULL OR e.ttfb_ms IS NOT NULL
               OR e.dns_ms IS NOT NULL OR e.connect_ms IS NOT NULL OR e.dom_interactive_ms IS NOT NULL OR e.load_ms IS NOT NULL)
          AND (SELECT count() FROM performance_site_spans) = 0
        )
        GROUP BY site_id, hour, key
    )
    ARRAY JOIN arrayConcat(
        [(toUInt16(1), hour)],
        arrayMap(i -> (toUInt16(24), hour - i * 3600), range(24)),
        arrayMap(days -> (toUInt16(24 * days), toDateTime(intDiv(toUInt32(toDate(hour)), days) * days * 86400, 'UTC')), [2, 4, 8, 16, 32, 64, 128, 256])
    ) AS s
    GROUP BY site_id, span, start, key
)
GROUP BY site_id, span, start;

CREATE MATERIALIZED VIEW IF NOT EXISTS performance_site_spans_mv TO performance_site_spans AS
SELECT site_id, span, start, sumIf(n, key = 5415) AS samples, (groupArray(key), groupArray(n)) AS counts
FROM
(
    -- Each hour's counts, added into every row the hour belongs to.
    SELECT site_id, s.1 AS span, s.2 AS start, key, sum(n) AS n
    FROM
    (
        -- Per site, hour and key: how many performance events.
        SELECT site_id, hour, key, count() AS n
        FROM
        (
            WITH
            -- The nine timings in METRICS order (CLS in units of 0.0001), NULL when not reported.
            [toFloat64(e.lcp_ms), toFloat64(e.inp_ms), round(e.cls * 10000), toFloat64(e.fcp_ms), toFloat64(e.ttfb_ms),
             toFloat64(e.dns_ms), toFloat64(e.connect_ms), toFloat64(e.dom_interactive_ms), toFloat64(e.load_ms)] AS timings,
            -- The five banded metrics in BANDS order, and their thresholds (CLS compared as Float32).
            [toFloat64(e.lcp_ms), toFloat64(e.inp_ms), toFloat64(e.cls), toFloat64(e.fcp_ms), toFloat64(e.ttfb_ms)] AS banded,
            [2500, 200, toFloat64(toFloat32(0.1)), 1800, 800] AS good,
            [4000, 500, toFloat64(toFloat32(0.25)), 3000, 1800] AS poor
            SELECT
                e.site_id AS site_id,
                toStartOfHour(e.timestamp) AS hour,
                arrayJoin(arrayFilter(k -> k != 65535, arrayConcat(
                    arrayMap((v, i) -> if(v IS NULL, 65535, toUInt16((i - 1) * 600
                        + least(if(assumeNotNull(v) < 50, assumeNotNull(v), 50 + floor(log(assumeNotNull(v) / 50) / log(1.02))), 599))),
                        timings, arrayEnumerate(timings)),
                    arrayMap((v, i) -> if(v IS NULL, 65535, toUInt16(5397 + 3 * i
                        + (assumeNotNull(v) > good[i]) + (assumeNotNull(v) > poor[i]))),
                        banded, arrayEnumerate(banded)),
                    [toUInt16(5415)]))) AS key
            FROM events AS e
            WHERE (e.lcp_ms IS NOT NULL OR e.inp_ms IS NOT NULL OR e.cls IS NOT NULL OR e.fcp_ms IS NOT NULL OR e.ttfb_ms IS NOT NULL
               OR e.dns_ms IS NOT NULL OR e.connect_ms IS NOT NULL OR e.dom_interactive_ms IS NOT NULL OR e.load_ms IS NOT NULL)
        )
        GROUP BY site_id, hour, key
    )
    ARRAY JOIN arrayConcat(
        [(toUInt16(1), hour)],
        arrayMap(i -> (toUInt16(24), hour - i * 3600), range(24)),
        arrayMap(days -> (toUInt16(24 * days), toDateTime(intDiv(toUInt32(toDate(hour)), days) * days * 86400, 'UTC')), [2, 4, 8, 16, 32, 64, 128, 256])
    ) AS s
    GROUP BY site_id, span, start, key
)
GROUP BY site_id, span, start;

-- Per page (24-hour rows only from UTC midnights: one at every hour would make 24 times the rows).
CREATE TABLE IF NOT EXISTS performance_page_spans
(
    site_id UInt32,
    span    UInt16,
    start   DateTime('UTC'),
    pathname String CODEC(ZSTD(3)),
    samples SimpleAggregateFunction(sum, UInt64),
    counts  SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64))) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(start)
ORDER BY (site_id, span, start, pathname)
SETTINGS index_granularity = 16, non_replicated_deduplication_window = 10000;

INSERT INTO performance_page_spans
SELECT site_id, span, start, pathname, sumIf(n, key = 5415) AS samples, (groupArray(key), groupArray(n)) AS counts
FROM
(
    -- Each hour's counts, added into every row the hour belongs to.
    SELECT site_id, s.1 AS span, s.2 AS start, pathname, key, sum(n) AS n
    FROM
    (
        -- Per site, hour and page and key: how many performance events.
        SELECT site_id, hour, pathname, key, count() AS n
        FROM
        (
            WITH
            -- The nine timings in METRICS order (CLS in units of 0.0001), NULL when not reported.
            [toFloat64(e.lcp_ms), toFloat64(e.inp_ms), round(e.cls * 10000), toFloat64(e.fcp_ms), toFloat64(e.ttfb_ms),
             toFloat64(e.dns_ms), toFloat64(e.connect_ms), toFloat64(e.dom_interactive_ms), toFloat64(e.load_ms)] AS timings,
            -- The five banded metrics in BANDS order, and their thresholds (CLS compared as Float32).
            [toFloat64(e.lcp_ms), toFloat64(e.inp_ms), toFloat64(e.cls), toFloat64(e.fcp_ms), toFloat64(e.ttfb_ms)] AS banded,
            [2500, 200, toFloat64(toFloat32(0.1)), 1800, 800] AS good,
            [4000, 500, toFloat64(toFloat32(0.25)), 3000, 1800] AS poor
            SELECT
                e.site_id AS site_id,
                toStartOfHour(e.timestamp) AS hour,
                e.pathname AS pathname,
                arrayJoin(arrayFilter(k -> k != 65535, arrayConcat(
                    arrayMap((v, i) -> if(v IS NULL, 65535, toUInt16((i - 1) * 600
                        + least(if(assumeNotNull(v) < 50, assumeNotNull(v), 50 + floor(log(assumeNotNull(v) / 50) / log(1.02))), 599))),
                        timings, arrayEnumerate(timings)),
                    arrayMap((v, i) -> if(v IS NULL, 65535, toUInt16(5397 + 3 * i
                        + (assumeNotNull(v) > good[i]) + (assumeNotNull(v) > poor[i]))),
                        banded, arrayEnumerate(banded)),
                    [toUInt16(5415)]))) AS key
            FROM events AS e
            WHERE (e.lcp_ms IS NOT NULL OR e.inp_ms IS NOT NULL OR e.cls IS NOT NULL OR e.fcp_ms IS NOT NULL OR e.ttfb_ms IS NOT NULL
               OR e.dns_ms IS NOT NULL OR e.connect_ms IS NOT NULL OR e.dom_interactive_ms IS NOT NULL OR e.load_ms IS NOT NULL)
          AND (SELECT count() FROM performance_page_spans) = 0
        )
        GROUP BY site_id, hour, pathname, key
    )
    ARRAY JOIN arrayConcat(
        [(toUInt16(1), hour)],
        arrayMap(days -> (toUInt16(24 * days), toDateTime(intDiv(toUInt32(toDate(hour)), days) * days * 86400, 'UTC')), [1, 2, 4, 8, 16, 32, 64, 128, 256])
    ) AS s
    GROUP BY site_id, span, start, pathname, key
)
GROUP BY site_id, span, start, pathname;

CREATE MATERIALIZED VIEW IF NOT EXISTS performance_page_spans_mv TO performance_page_spans AS
SELECT site_id, span, start, pathname, sumIf(n, key = 5415) AS samples, (groupArray(key), groupArray(n)) AS counts
FROM
(
    -- Each hour's counts, added into every row the hour belongs to.
    SELECT site_id, s.1 AS span, s.2 AS start, pathname, key, sum(n) AS n
    FROM
    (
        -- Per site, hour and page and key: how many performance events.
        SELECT site_id, hour, pathname, key, count() AS n
        FROM
        (
            WITH
            -- The nine timings in METRICS order (CLS in units of 0.0001), NULL when not reported.
            [toFloat64(e.lcp_ms), toFloat64(e.inp_ms), round(e.cls * 10000), toFloat64(e.fcp_ms), toFloat64(e.ttfb_ms),
             toFloat64(e.dns_ms), toFloat64(e.connect_ms), toFloat64(e.dom_interactive_ms), toFloat64(e.load_ms)] AS timings,
            -- The five banded metrics in BANDS order, and their thresholds (CLS compared as Float32).
            [toFloat64(e.lcp_ms), toFloat64(e.inp_ms), toFloat64(e.cls), toFloat64(e.fcp_ms), toFloat64(e.ttfb_ms)] AS banded,
            [2500, 200, toFloat64(toFloat32(0.1)), 1800, 800] AS good,
            [4000, 500, toFloat64(toFloat32(0.25)), 3000, 1800] AS poor
            SELECT
                e.site_id AS site_id,
                toStartOfHour(e.timestamp) AS hour,
                e.pathname AS pathname,
                arrayJoin(arrayFilter(k -> k != 65535, arrayConcat(
                    arrayMap((v, i) -> if(v IS NULL, 65535, toUInt16((i - 1) * 600
                        + least(if(assumeNotNull(v) < 50, assumeNotNull(v), 50 + floor(log(assumeNotNull(v) / 50) / log(1.02))), 599))),
                        timings, arrayEnumerate(timings)),
                    arrayMap((v, i) -> if(v IS NULL, 65535, toUInt16(5397 + 3 * i
                        + (assumeNotNull(v) > good[i]) + (assumeNotNull(v) > poor[i]))),
                        banded, arrayEnumerate(banded)),
                    [toUInt16(5415)]))) AS key
            FROM events AS e
            WHERE (e.lcp_ms IS NOT NULL OR e.inp_ms IS NOT NULL OR e.cls IS NOT NULL OR e.fcp_ms IS NOT NULL OR e.ttfb_ms IS NOT NULL
               OR e.dns_ms IS NOT NULL OR e.connect_ms IS NOT NULL OR e.dom_interactive_ms IS NOT NULL OR e.load_ms IS NOT NULL)
        )
        GROUP BY site_id, hour, pathname, key
    )
    ARRAY JOIN arrayConcat(
        [(toUInt16(1), hour)],
        arrayMap(days -> (toUInt16(24 * days), toDateTime(intDiv(toUInt32(toDate(hour)), days) * days * 86400, 'UTC')), [1, 2, 4, 8, 16, 32, 64, 128, 256])
    ) AS s
    GROUP BY site_id, span, start, pathname, key
)
GROUP BY site_id, span, start, pathname;
