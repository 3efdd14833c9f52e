-- `performance_hourly` (0002) held t-digest states per page and hour. Since 0006 the performance
-- endpoint reads the span histograms (`performance_site_spans`, `performance_page_spans`) and
-- nothing reads this table; its view cost work on every insert of a performance event and about
-- 10 bytes of storage per event. The view goes first, so no insert writes to a dropped table.
DROP VIEW IF EXISTS performance_hourly_mv;

DROP TABLE IF EXISTS performance_hourly;
