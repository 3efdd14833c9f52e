-- Site-wide performance histograms per UTC hour, beside the daily ones of 0008 (issue 13).
--
-- 0008 answers the hours a range cuts from a UTC day (its ends; by day in a zone that is not UTC,
-- the hour of each UTC day that belongs to the next local day: 23:00 in Berlin) by reading
-- `events` again with the same key expression. That is exact, but it was the slowest part of a
-- dashboard load: a 30-day chart by day in Berlin read 31 hours of raw events (125 ms against 32 ms
-- for the same range without days, on the 10 M-event seed). Here each site has one row per hour
-- with a timing, and the site-wide questions (no page dimension, no filter) read those hours from
-- this table instead (functions/performance/plan.ts); per page they still come from `events`.
--
-- 1.17 compressed bytes per stored event on the 10 M-event seed (268,605 rows, fully merged;
-- docs/benchmarks.md). Same key expression as 0008 and as histogramKeysSql() in
-- functions/performance/histogram.ts (test/unit/performance/histogram.test.ts checks both).

CREATE TABLE IF NOT EXISTS performance_site_hours
(
    site_id  UInt32,
    hour     DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
    samples  SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1)),
    counts   SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64))) CODEC(ZSTD(3))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site_id, hour)
SETTINGS index_granularity = 64, non_replicated_deduplication_window = 10000;

-- Events stored before this migration, once (a re-run finds the table filled and adds nothing),
-- then the view for new ones.
INSERT INTO performance_site_hours
SELECT site_id, toStartOfHour(timestamp) AS hour, count() AS samples, sumMap(keys, arrayMap(k -> toUInt64(1), keys)) AS counts
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
      AND (SELECT count() FROM performance_site_hours) = 0
)
GROUP BY site_id, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS performance_site_hours_mv TO performance_site_hours AS
SELECT site_id, toStartOfHour(timestamp) AS hour, count() AS samples, sumMap(keys, arrayMap(k -> toUInt64(1), keys)) AS counts
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
GROUP BY site_id, hour;
