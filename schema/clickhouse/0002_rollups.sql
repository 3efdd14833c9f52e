-- Hourly rollups of `events` for the dashboard and the Stats API. Each is a target table plus a
-- materialized view that writes into it on every insert into `events`; hourly buckets let a query
-- cut days in any site time zone. Order keys start with site_id, then hour.
--
-- Reads always merge: `sum(pageviews)`, `uniqMerge(visitors)`, `argMinMerge(entry_page)` etc. with
-- GROUP BY, because parts are combined in the background, not at insert time.
--
-- Idempotent inserts: queue messages may be delivered twice, so the consumer retries an insert with
-- the same insert_deduplication_token. `events` drops the repeated block, but a materialized view
-- still receives it unless its target table de-duplicates too. Hence every target sets
-- non_replicated_deduplication_window (Replicated* tables de-duplicate by default), and the
-- consumer sends, with each insert:
--   insert_deduplicate = 1
--   insert_deduplication_token = '<queue message batch id>'
--   deduplicate_blocks_in_dependent_materialized_views = 1
--   async_insert = 0
-- (On ClickHouse >= 26.1 async_insert = 1, wait_for_async_insert = 1, async_insert_deduplicate = 1
-- also works with these views; before 26.1 async inserts reject MV de-duplication, code 344.)
-- test/node/clickhouse/rollups.test.ts checks both modes against the engine this repo runs locally.

-- (a) Top pages: views, visitors, engaged time and scroll depth per page.
CREATE TABLE IF NOT EXISTS pages_hourly
(
    site_id            UInt32,
    hour               DateTime('UTC'),
    hostname           LowCardinality(String),
    pathname           String CODEC(ZSTD(3)),
    pageviews          SimpleAggregateFunction(sum, UInt64),
    -- Visitors who viewed the page (pageview events only).
    visitors           AggregateFunction(uniq, UInt64),
    engaged_ms_sum     SimpleAggregateFunction(sum, UInt64),
    engaged_count      SimpleAggregateFunction(sum, UInt64),
    scroll_depth_sum   SimpleAggregateFunction(sum, UInt64),
    scroll_depth_count SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site_id, hour, hostname, pathname)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS pages_hourly_mv TO pages_hourly AS
SELECT
    site_id,
    toStartOfHour(timestamp) AS hour,
    hostname,
    pathname,
    countIf(kind = 'pageview') AS pageviews,
    uniqStateIf(visitor_id, kind = 'pageview') AS visitors,
    sum(ifNull(engaged_ms, 0)) AS engaged_ms_sum,
    count(engaged_ms) AS engaged_count,
    sum(ifNull(scroll_depth, 0)) AS scroll_depth_sum,
    count(scroll_depth) AS scroll_depth_count
FROM events
WHERE kind IN ('pageview', 'engagement')
GROUP BY site_id, hour, hostname, pathname;

-- (b) Visits: one row per session (a session id is keyed by the UTC hour, so a visit never spans
-- rows of different hours). Answers visits, entry and exit pages, bounce rate, visit duration,
-- and visit-level attribution (the first event's source, location and device).
-- Bounce: pageviews = 1 and interactive_events = 0.
CREATE TABLE IF NOT EXISTS sessions_hourly
(
    site_id            UInt32,
    hour               DateTime('UTC'),
    session_id         UInt64,
    visitor_id         SimpleAggregateFunction(any, UInt64),
    started_at         SimpleAggregateFunction(min, DateTime('UTC')),
    ended_at           SimpleAggregateFunction(max, DateTime('UTC')),
    pageviews          SimpleAggregateFunction(sum, UInt64),
    -- Custom events sent as interactive (they turn a one-page visit into a non-bounce).
    interactive_events SimpleAggregateFunction(sum, UInt64),
    events             SimpleAggregateFunction(sum, UInt64),
    engaged_ms         SimpleAggregateFunction(sum, UInt64),
    -- First/last value by event_id, which is time-ordered with millisecond resolution.
    entry_hostname     AggregateFunction(argMin, String, UInt64),
    entry_page         AggregateFunction(argMin, String, UInt64),
    exit_page          AggregateFunction(argMax, String, UInt64),
    referrer           AggregateFunction(argMin, String, UInt64),
    referrer_source    AggregateFunction(argMin, String, UInt64),
    channel            AggregateFunction(argMin, String, UInt64),
    utm_source         AggregateFunction(argMin, String, UInt64),
    utm_medium         AggregateFunction(argMin, String, UInt64),
    utm_campaign       AggregateFunction(argMin, String, UInt64),
    utm_content        AggregateFunction(argMin, String, UInt64),
    utm_term           AggregateFunction(argMin, String, UInt64),
    country            AggregateFunction(argMin, String, UInt64),
    region             AggregateFunction(argMin, String, UInt64),
    city               AggregateFunction(argMin, String, UInt64),
    device             AggregateFunction(argMin, String, UInt64),
    browser            AggregateFunction(argMin, String, UInt64),
    browser_version    AggregateFunction(argMin, String, UInt64),
    os                 AggregateFunction(argMin, String, UInt64),
    os_version         AggregateFunction(argMin, String, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site_id, hour, session_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_hourly_mv TO sessions_hourly AS
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
    argMinStateIf(toString(e.hostname), e.event_id, e.kind = 'pageview') AS entry_hostname,
    argMinStateIf(e.pathname, e.event_id, e.kind = 'pageview') AS entry_page,
    argMaxStateIf(e.pathname, e.event_id, e.kind = 'pageview') AS exit_page,
    argMinState(e.referrer, e.event_id) AS referrer,
    argMinState(toString(e.referrer_source), e.event_id) AS referrer_source,
    argMinState(toString(e.channel), e.event_id) AS channel,
    argMinState(toString(e.utm_source), e.event_id) AS utm_source,
    argMinState(toString(e.utm_medium), e.event_id) AS utm_medium,
    argMinState(toString(e.utm_campaign), e.event_id) AS utm_campaign,
    argMinState(toString(e.utm_content), e.event_id) AS utm_content,
    argMinState(toString(e.utm_term), e.event_id) AS utm_term,
    argMinState(toStringCutToZero(e.country), e.event_id) AS country,
    argMinState(toString(e.region), e.event_id) AS region,
    argMinState(toString(e.city), e.event_id) AS city,
    argMinState(toString(e.device), e.event_id) AS device,
    argMinState(toString(e.browser), e.event_id) AS browser,
    argMinState(toString(e.browser_version), e.event_id) AS browser_version,
    argMinState(toString(e.os), e.event_id) AS os,
    argMinState(toString(e.os_version), e.event_id) AS os_version
FROM events AS e
GROUP BY site_id, hour, session_id;

-- (c) Sources, (d) locations and devices: one row per (dimension, value), so every breakdown
-- panel is one range scan. Counted per event (pageviews and custom events); for attribution of a
-- whole visit to its entry source, group sessions_hourly instead.
--   sources_hourly dims:     source, referrer, channel, utm_source, utm_medium, utm_campaign,
--                            utm_content, utm_term
--   geo_devices_hourly dims: country, region, city, device, browser, browser_version, os,
--                            os_version (versions are 'Name version', e.g. 'Chrome 120')
CREATE TABLE IF NOT EXISTS sources_hourly
(
    site_id   UInt32,
    hour      DateTime('UTC'),
    dim       LowCardinality(String),
    value     String CODEC(ZSTD(3)),
    visitors  AggregateFunction(uniq, UInt64),
    visits    AggregateFunction(uniq, UInt64),
    pageviews SimpleAggregateFunction(sum, UInt64),
    events    SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site_id, hour, dim, value)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sources_hourly_mv TO sources_hourly AS
SELECT
    site_id,
    toStartOfHour(timestamp) AS hour,
    pair.1 AS dim,
    pair.2 AS value,
    uniqState(visitor_id) AS visitors,
    uniqState(session_id) AS visits,
    countIf(kind = 'pageview') AS pageviews,
    countIf(kind = 'custom') AS events
FROM events
ARRAY JOIN [
    ('source', toString(referrer_source)),
    ('referrer', referrer),
    ('channel', toString(channel)),
    ('utm_source', toString(utm_source)),
    ('utm_medium', toString(utm_medium)),
    ('utm_campaign', toString(utm_campaign)),
    ('utm_content', toString(utm_content)),
    ('utm_term', toString(utm_term))
] AS pair
WHERE kind IN ('pageview', 'custom')
GROUP BY site_id, hour, dim, value;

CREATE TABLE IF NOT EXISTS geo_devices_hourly
(
    site_id   UInt32,
    hour      DateTime('UTC'),
    dim       LowCardinality(String),
    value     String,
    visitors  AggregateFunction(uniq, UInt64),
    visits    AggregateFunction(uniq, UInt64),
    pageviews SimpleAggregateFunction(sum, UInt64),
    events    SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site_id, hour, dim, value)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS geo_devices_hourly_mv TO geo_devices_hourly AS
SELECT
    site_id,
    toStartOfHour(timestamp) AS hour,
    pair.1 AS dim,
    pair.2 AS value,
    uniqState(visitor_id) AS visitors,
    uniqState(session_id) AS visits,
    countIf(kind = 'pageview') AS pageviews,
    countIf(kind = 'custom') AS events
FROM events
ARRAY JOIN [
    ('country', toStringCutToZero(country)),
    ('region', toString(region)),
    ('city', toString(city)),
    ('device', toString(device)),
    ('browser', toString(browser)),
    ('browser_version', trimRight(concat(toString(browser), ' ', toString(browser_version)))),
    ('os', toString(os)),
    ('os_version', trimRight(concat(toString(os), ' ', toString(os_version))))
] AS pair
WHERE kind IN ('pageview', 'custom')
GROUP BY site_id, hour, dim, value;

-- Goals: custom events by name, with converting visitors and revenue.
CREATE TABLE IF NOT EXISTS events_hourly
(
    site_id        UInt32,
    hour           DateTime('UTC'),
    name           LowCardinality(String),
    events         SimpleAggregateFunction(sum, UInt64),
    visitors       AggregateFunction(uniq, UInt64),
    visits         AggregateFunction(uniq, UInt64),
    revenue_amount SimpleAggregateFunction(sum, Decimal128(6)),
    -- Revenue is summed per currency; most sites use one.
    revenue_currency LowCardinality(String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site_id, hour, name, revenue_currency)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_hourly_mv TO events_hourly AS
SELECT
    site_id,
    toStartOfHour(e.timestamp) AS hour,
    name,
    count() AS events,
    uniqState(e.visitor_id) AS visitors,
    uniqState(e.session_id) AS visits,
    sum(toDecimal128(e.revenue_amount, 6)) AS revenue_amount,
    toStringCutToZero(e.revenue_currency) AS revenue_currency
FROM events AS e
WHERE e.kind = 'custom'
GROUP BY site_id, hour, name, revenue_currency;

-- (e) Usage for billing: events per kind, summed (plans are metered by monthly events).
CREATE TABLE IF NOT EXISTS usage_hourly
(
    site_id UInt32,
    hour    DateTime('UTC'),
    kind    Enum8('pageview' = 1, 'custom' = 2, 'engagement' = 3, 'performance' = 4),
    events  UInt64
)
ENGINE = SummingMergeTree(events)
PARTITION BY toYYYYMM(hour)
ORDER BY (site_id, hour, kind)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_hourly_mv TO usage_hourly AS
SELECT site_id, toStartOfHour(timestamp) AS hour, kind, count() AS events
FROM events
GROUP BY site_id, hour, kind;

-- (f) Performance per page: t-digest states (read any quantile, e.g.
-- quantilesTDigestMerge(0.5, 0.75, 0.9)(lcp_ms)) and Core Web Vitals counts in Google's bands:
--   LCP good <= 2500 ms, poor > 4000 ms     INP  good <= 200 ms,  poor > 500 ms
--   CLS good <= 0.1,     poor > 0.25        FCP  good <= 1800 ms, poor > 3000 ms
--   TTFB good <= 800 ms, poor > 1800 ms
-- A missing metric is simply not counted (states skip it; bands count only present values).
CREATE TABLE IF NOT EXISTS performance_hourly
(
    site_id            UInt32,
    hour               DateTime('UTC'),
    pathname           String CODEC(ZSTD(3)),
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
ORDER BY (site_id, hour, pathname)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS performance_hourly_mv TO performance_hourly AS
SELECT
    site_id,
    toStartOfHour(e.timestamp) AS hour,
    pathname,
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
GROUP BY site_id, hour, pathname;
