import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BANDS,
  bucketValue,
  HISTOGRAM,
  histogramKeysSql,
  METRICS,
} from '../../../functions/performance/histogram';

const MIGRATION = readFileSync(
  new URL('../../../schema/clickhouse/0008_performance_lean.sql', import.meta.url),
  'utf8',
);

/** The bucket of a value, as the rollup views compute it. */
function bucket(value: number): number {
  const { exactBelow, ratio, buckets } = HISTOGRAM;
  if (value < exactBelow) return value;
  return Math.min(exactBelow + Math.floor(Math.log(value / exactBelow) / Math.log(ratio)), buckets - 1);
}

describe('bucketValue', () => {
  it('is exact below 50 and within 1 % above, for milliseconds and CLS units', () => {
    for (let v = 0; v < 50; v++) expect(bucketValue(bucket(v))).toBe(v);
    for (let v = 50; v <= 600_000; v += v < 5000 ? 1 : 97) {
      const got = bucketValue(bucket(v));
      expect(Math.abs(got - v) / v, `${v} → ${got}`).toBeLessThanOrEqual(0.01);
    }
  });
});

describe('0008_performance_lean.sql', () => {
  it("counts with the planner's own key expression, in both tables' inserts and views", () => {
    const keys = histogramKeysSql();
    const indented = keys.replaceAll('\n', '\n        ');
    expect(MIGRATION.split(indented).length - 1).toBe(4);
  });

  it('keys the banded metrics first, in BANDS order, with their thresholds', () => {
    const keys = histogramKeysSql();
    Object.values(BANDS).forEach((band, m) => {
      expect(METRICS[m]?.[1]).toBe(band.column);
      expect(keys).toContain(`toUInt16(${m * HISTOGRAM.metricStride} + 3 *`);
      expect(keys).toContain(
        `> ${band.column === 'cls' ? `toFloat64(toFloat32(${band.good}))` : band.good})`,
      );
      expect(keys).toContain(
        `> ${band.column === 'cls' ? `toFloat64(toFloat32(${band.poor}))` : band.poor})`,
      );
    });
    expect(HISTOGRAM.metricStride).toBe(3 * HISTOGRAM.buckets);
    expect(HISTOGRAM.samplesKey).toBe(METRICS.length * HISTOGRAM.metricStride);
    // Every key fits the UInt16 of the tables, below the 65535 that marks a missing timing.
    expect(HISTOGRAM.samplesKey).toBeLessThan(65_535);
  });
});
