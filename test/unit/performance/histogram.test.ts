import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BANDS,
  bucketValue,
  HISTOGRAM,
  histogramKeysSql,
  METRICS,
  slotValue,
} from '../../../functions/performance/histogram';

const MIGRATION = readFileSync(
  new URL('../../../schema/clickhouse/0008_performance_lean.sql', import.meta.url),
  'utf8',
);
const HOURS_MIGRATION = readFileSync(
  new URL('../../../schema/clickhouse/0011_performance_site_hours.sql', import.meta.url),
  'utf8',
);

/** The bucket of a value, as the rollup views compute it. */
function bucket(value: number): number {
  const { exactBelow, ratio, buckets } = HISTOGRAM;
  if (value < exactBelow) return value;
  return Math.min(exactBelow + Math.floor(Math.log(value / exactBelow) / Math.log(ratio)), buckets - 1);
}

describe('bucketValue', () => {
  it('is exact below 25 and within 4 % above, for milliseconds and CLS units', () => {
    for (let v = 0; v < 25; v++) expect(bucketValue(bucket(v))).toBe(v);
    for (let v = 25; v <= 1_000_000; v += v < 5000 ? 1 : 97) {
      const got = bucketValue(bucket(v));
      expect(Math.abs(got - v) / v, `${v} → ${got}`).toBeLessThanOrEqual(0.04);
    }
    // The largest timings the tracker sends (10 minutes; CLS 100 in units of 0.0001) fit.
    expect(bucket(1_000_000)).toBeLessThan(HISTOGRAM.buckets - 1);
  });
});

describe('slotValue', () => {
  it('keeps a bucket that straddles a threshold on the side of its band', () => {
    // 2,400 ms (good) and 2,510 ms (needs improvement) share a bucket whose middle is below 2,500.
    expect(bucket(2400)).toBe(bucket(2510));
    expect(bucketValue(bucket(2400))).toBeLessThan(2500);
    expect(slotValue('lcp', 3 * bucket(2400))).toBe(bucketValue(bucket(2400)));
    expect(slotValue('lcp', 3 * bucket(2510) + 1)).toBe(2501);
    // 4,000 ms (needs improvement) and 4,010 ms (poor) too.
    expect(bucket(4000)).toBe(bucket(4010));
    expect(slotValue('lcp', 3 * bucket(4000) + 1)).toBe(bucketValue(bucket(4000)));
    expect(slotValue('lcp', 3 * bucket(4010) + 2)).toBe(4001);
    // CLS in units of 0.0001: 0.1 is good, 0.1001 needs improvement.
    expect(slotValue('cls', 3 * bucket(1000))).toBeLessThanOrEqual(1000);
    expect(slotValue('cls', 3 * bucket(1001) + 1)).toBeGreaterThanOrEqual(1001);
    // Metrics without bands take the bucket's value.
    expect(slotValue('load', 3 * bucket(2500))).toBe(bucketValue(bucket(2500)));
  });
});

describe('0008_performance_lean.sql', () => {
  it("counts with the planner's own key expression, in both tables' inserts and views", () => {
    const keys = histogramKeysSql();
    const indented = keys.replaceAll('\n', '\n        ');
    expect(MIGRATION.split(indented).length - 1).toBe(4);
    // 0011's hourly site rows too: the planner adds and takes them away against the daily ones.
    expect(HOURS_MIGRATION.split(indented).length - 1).toBe(2);
  });

  it('keys the timings in METRICS order, the banded ones first with the thresholds of BANDS', () => {
    const lists = [...histogramKeysSql().matchAll(/\n {4}\[([^\]]*)\],?/g)].map((m) =>
      (m[1] ?? '').split(', '),
    );
    const [units, values, goods, poors] = lists;
    expect(units).toEqual(
      METRICS.map(([, column]) =>
        column === 'cls' ? `round(cls * ${HISTOGRAM.clsScale})` : `toFloat64(${column})`,
      ),
    );
    const bands = Object.values(BANDS);
    const cls = (column: string, v: number) => (column === 'cls' ? `toFloat64(toFloat32(${v}))` : String(v));
    expect(values).toEqual(METRICS.map(([, column], m) => (m < bands.length ? `toFloat64(${column})` : '0')));
    expect(goods).toEqual(METRICS.map(([, column], m) => (bands[m] ? cls(column, bands[m].good) : '0')));
    expect(poors).toEqual(METRICS.map(([, column], m) => (bands[m] ? cls(column, bands[m].poor) : '0')));
    for (const [m, band] of bands.entries()) expect(METRICS[m]?.[1]).toBe(band.column);
    expect(HISTOGRAM.metricStride).toBe(3 * HISTOGRAM.buckets);
    expect(HISTOGRAM.samplesKey).toBe(METRICS.length * HISTOGRAM.metricStride);
    // Every key fits the UInt16 of the tables, below the 65535 that marks a missing timing.
    expect(HISTOGRAM.samplesKey).toBeLessThan(65_535);
  });
});
