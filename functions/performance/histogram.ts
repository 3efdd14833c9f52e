/**
 * The histograms the performance rollups keep (schema/clickhouse/0008_performance_lean.sql), and
 * the SQL that turns one event's timings into histogram keys. The rollups' views and the planner's
 * reads of raw hours (plan.ts) both use `histogramKeysSql`, so an hour read from `events` counts
 * exactly as the same hour inside a rollup row (test/unit/performance/histogram.test.ts checks
 * that 0008 holds this very text).
 */

/** Metrics in response order: [response name, column in events]. */
export const METRICS = [
  ['lcp', 'lcp_ms'],
  ['inp', 'inp_ms'],
  ['cls', 'cls'],
  ['fcp', 'fcp_ms'],
  ['ttfb', 'ttfb_ms'],
  ['dns', 'dns_ms'],
  ['connect', 'connect_ms'],
  ['dom_interactive', 'dom_interactive_ms'],
  ['load', 'load_ms'],
] as const;

export type MetricName = (typeof METRICS)[number][0];

/**
 * Google's thresholds: good at or below the first, poor above the second. The banded metrics are
 * the first five of METRICS, in the same order.
 */
export const BANDS = {
  lcp: { column: 'lcp_ms', good: 2500, poor: 4000 },
  inp: { column: 'inp_ms', good: 200, poor: 500 },
  cls: { column: 'cls', good: 0.1, poor: 0.25 },
  fcp: { column: 'fcp_ms', good: 1800, poor: 3000 },
  ttfb: { column: 'ttfb_ms', good: 800, poor: 1800 },
} as const;

export type BandedMetric = keyof typeof BANDS;

/**
 * A timing v, in milliseconds or for CLS in units of 0.0001, falls in bucket v below `exactBelow`,
 * else in bucket exactBelow + floor(ln(v / exactBelow) / ln(ratio)), at most `buckets` - 1.
 * Its key is m * metricStride + 3 * bucket + band, m its metric's index in METRICS and band 0 / 1 / 2
 * for good / needs improvement / poor (0 for a metric without bands): one key per metric and event,
 * from which both the percentiles (the bucket) and the exact band counts (the band) are read.
 * `samplesKey` is no stored key: the reads add each row's sample count under it.
 */
export const HISTOGRAM = {
  exactBelow: 25,
  ratio: 1.08,
  buckets: 200,
  metricStride: 600,
  samplesKey: 9 * 600,
  /** CLS is stored in units of 0.0001 (the tracker sends 4 decimals). */
  clsScale: 10_000,
} as const;

/**
 * The value a bucket stands for: the middle of the whole units it holds. Exact below `exactBelow`;
 * above, every value of the bucket is within 4 % of it (buckets are 8 % wide). Bucket 199 would
 * start near 100 million, beyond any timing the tracker sends (10 minutes, CLS 100).
 */
export function bucketValue(bucket: number): number {
  const { exactBelow, ratio } = HISTOGRAM;
  if (bucket < exactBelow) return bucket;
  const low = exactBelow * ratio ** (bucket - exactBelow);
  const first = Math.ceil(low);
  const last = Math.max(first, Math.ceil(low * ratio) - 1);
  return (first + last) / 2;
}

/**
 * The value, in units (ms, or 0.0001 for CLS), that a histogram slot (3 * bucket + band) stands for:
 * its bucket's, kept inside its band. A bucket can straddle a threshold (2,500 ms lies in the bucket
 * 2,440–2,634), and a p75 reported as 2,537 ms while counted good would put it in the wrong band
 * wherever a band is read off the value (the vitals alert, the dashboard's colours).
 */
export function slotValue(metric: MetricName, slot: number): number {
  const value = bucketValue(Math.floor(slot / 3));
  const band = BANDS[metric as BandedMetric];
  if (!band) return value;
  const scale = metric === 'cls' ? HISTOGRAM.clsScale : 1;
  const good = Math.round(band.good * scale);
  const poor = Math.round(band.poor * scale);
  switch (slot % 3) {
    case 0:
      return Math.min(value, good);
    case 1:
      return Math.min(Math.max(value, good + 1), poor);
    default:
      return Math.max(value, poor + 1);
  }
}

/** A threshold as ClickHouse compares it: CLS as Float32, like the column. */
function threshold(column: string, value: number): string {
  return column === 'cls' ? `toFloat64(toFloat32(${value}))` : String(value);
}

/**
 * An event's histogram keys (Array(UInt16)), one per timing it reported, in METRICS order. One
 * lambda over the nine timings rather than nine spelled-out expressions: ClickHouse plans it several
 * times faster, which matters for the raw hours the planner reads on every query.
 */
export function histogramKeysSql(): string {
  const { exactBelow, ratio, buckets, metricStride, clsScale } = HISTOGRAM;
  const bands = METRICS.map(([, column]) => Object.values(BANDS).find((b) => b.column === column));
  const units = METRICS.map(([, column]) =>
    column === 'cls' ? `round(cls * ${clsScale})` : `toFloat64(${column})`,
  );
  // Unbanded metrics compare 0 with thresholds of 0: always band 0.
  const values = METRICS.map(([, column], m) => (bands[m] ? `toFloat64(${column})` : '0'));
  const goods = METRICS.map(([, column], m) => threshold(column, bands[m]?.good ?? 0));
  const poors = METRICS.map(([, column], m) => threshold(column, bands[m]?.poor ?? 0));
  const u = 'assumeNotNull(u)';
  const bucket = `least(if(${u} < ${exactBelow}, ${u}, ${exactBelow} + floor(log(${u} / ${exactBelow}) / log(${ratio}))), ${buckets - 1})`;
  return [
    'arrayFilter(k -> k != 65535, arrayMap((u, v, good, poor, m) -> if(u IS NULL, 65535,',
    `    toUInt16(m * ${metricStride} + 3 * ${bucket} + (assumeNotNull(v) > good) + (assumeNotNull(v) > poor))),`,
    `    [${units.join(', ')}],`,
    `    [${values.join(', ')}],`,
    `    [${goods.join(', ')}],`,
    `    [${poors.join(', ')}],`,
    `    range(${METRICS.length})))`,
  ].join('\n');
}

/** The events a rollup counts: those with any timing (a performance event). */
export const HAS_TIMING = METRICS.map(([, column]) => `${column} IS NOT NULL`).join(' OR ');
