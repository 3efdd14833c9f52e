-- Tighter codecs for `events`, measured by `npm run bench` (docs/benchmarks.md, "Storage"):
-- 34.7 → 26.7 compressed bytes per event on the 10 M-event seed. Small integers in wide
-- columns compress best with T64; visitor ids ascend within an hour of one site (the order key),
-- so Delta helps them. Every codec here works on ClickHouse >= 24.8. Codec changes apply to new
-- parts and to old parts as they merge; nothing is rewritten at once.
ALTER TABLE events MODIFY COLUMN timestamp DateTime('UTC') CODEC(Delta(4), ZSTD(3));
ALTER TABLE events MODIFY COLUMN event_id UInt64 CODEC(Delta(8), ZSTD(3));
ALTER TABLE events MODIFY COLUMN visitor_id UInt64 CODEC(Delta(8), ZSTD(3));
ALTER TABLE events MODIFY COLUMN session_id UInt64 CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN scroll_depth Nullable(UInt8) CODEC(T64, ZSTD(3));
ALTER TABLE events MODIFY COLUMN cls Nullable(Float32) CODEC(ZSTD(3));
ALTER TABLE events MODIFY COLUMN engaged_ms Nullable(UInt32) CODEC(T64, ZSTD(3));
ALTER TABLE events MODIFY COLUMN lcp_ms Nullable(UInt32) CODEC(T64, ZSTD(3));
ALTER TABLE events MODIFY COLUMN inp_ms Nullable(UInt32) CODEC(T64, ZSTD(3));
ALTER TABLE events MODIFY COLUMN fcp_ms Nullable(UInt32) CODEC(T64, ZSTD(3));
ALTER TABLE events MODIFY COLUMN ttfb_ms Nullable(UInt32) CODEC(T64, ZSTD(3));
ALTER TABLE events MODIFY COLUMN dns_ms Nullable(UInt32) CODEC(T64, ZSTD(3));
ALTER TABLE events MODIFY COLUMN connect_ms Nullable(UInt32) CODEC(T64, ZSTD(3));
ALTER TABLE events MODIFY COLUMN dom_interactive_ms Nullable(UInt32) CODEC(T64, ZSTD(3));
ALTER TABLE events MODIFY COLUMN load_ms Nullable(UInt32) CODEC(T64, ZSTD(3));
