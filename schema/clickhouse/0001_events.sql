-- Raw events: one row per accepted event. The order key starts with the site, then time,
-- so every dashboard query reads one contiguous range. Columns are described once more, in
-- TypeScript, by workers/events/record.ts; keep the two in step.
CREATE TABLE IF NOT EXISTS events
(
    site_id            UInt32,
    timestamp          DateTime('UTC') CODEC(Delta(4), ZSTD(1)),
    -- Time-ordered id: milliseconds in the high bits, so it compresses along the order key.
    event_id           UInt64 CODEC(Delta(8), ZSTD(1)),
    kind               Enum8('pageview' = 1, 'custom' = 2, 'engagement' = 3, 'performance' = 4),
    name               LowCardinality(String),
    -- Keyed hash of (daily salt, site, ip, user agent); the IP itself is never stored.
    visitor_id         UInt64,
    -- Visit: visitor id keyed with the UTC hour (stateless sessions, see docs/ingest.md).
    session_id         UInt64,
    hostname           LowCardinality(String),
    pathname           String CODEC(ZSTD(3)),
    referrer           String CODEC(ZSTD(3)),
    referrer_source    LowCardinality(String),
    channel            LowCardinality(String),
    utm_source         LowCardinality(String),
    utm_medium         LowCardinality(String),
    utm_campaign       LowCardinality(String),
    utm_content        LowCardinality(String),
    utm_term           LowCardinality(String),
    click_id_param     LowCardinality(String),
    country            LowCardinality(FixedString(2)),
    region             LowCardinality(String),
    city               LowCardinality(String),
    device             LowCardinality(String),
    browser            LowCardinality(String),
    browser_version    LowCardinality(String),
    os                 LowCardinality(String),
    os_version         LowCardinality(String),
    props              Map(LowCardinality(String), String) CODEC(ZSTD(3)),
    revenue_amount     Decimal64(6),
    revenue_currency   LowCardinality(FixedString(3)),
    interactive        UInt8 DEFAULT 1,
    scroll_depth       Nullable(UInt8),
    engaged_ms         Nullable(UInt32),
    lcp_ms             Nullable(UInt32),
    inp_ms             Nullable(UInt32),
    cls                Nullable(Float32),
    fcp_ms             Nullable(UInt32),
    ttfb_ms            Nullable(UInt32),
    dns_ms             Nullable(UInt32),
    connect_ms         Nullable(UInt32),
    dom_interactive_ms Nullable(UInt32),
    load_ms            Nullable(UInt32)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (site_id, toStartOfHour(timestamp), visitor_id, timestamp)
-- insert_deduplication_token only de-duplicates a plain MergeTree with a window set.
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 8192;
