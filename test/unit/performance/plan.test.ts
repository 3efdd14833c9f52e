import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BANDS, bucketValue, coverRange, HISTOGRAM, METRICS } from '../../../functions/performance/plan';
import { midnightHours } from '../../../functions/performance/range';

const HOUR = 3600;
const DAY = 86_400;
const MIGRATION = readFileSync(
  new URL('../../../schema/clickhouse/0006_performance_rollups.sql', import.meta.url),
  'utf8',
);

/** Hour → weight: what the terms of a cover add up to, hour by hour. */
function hoursOf(terms: ReturnType<typeof coverRange>): Map<number, number> {
  const sum = new Map<number, number>();
  for (const term of terms) {
    for (let h = term.start; h < term.start + term.span * HOUR; h += HOUR) {
      sum.set(h, (sum.get(h) ?? 0) + term.weight);
    }
  }
  for (const [h, w] of sum) if (w === 0) sum.delete(h);
  return sum;
}

/** The bucket of a value, as the rollup views compute it. */
function bucket(value: number): number {
  const { exactBelow, ratio, slots } = HISTOGRAM;
  if (value < exactBelow) return value;
  return Math.min(exactBelow + Math.floor(Math.log(value / exactBelow) / Math.log(ratio)), slots - 1);
}

describe('coverRange', () => {
  const check = (from: number, to: number, subtract: boolean) => {
    const terms = coverRange(from, to, subtract);
    const hours = hoursOf(terms);
    const want = new Map<number, number>();
    for (let h = from; h < to; h += HOUR) want.set(h, 1);
    expect(hours).toEqual(want);
    for (const term of terms) {
      // Rows that exist: hours, and blocks of 2^k days starting on a multiple of their length.
      if (term.span !== 1) {
        const days = term.span / 24;
        expect(Number.isInteger(Math.log2(days)) && days <= 256).toBe(true);
        expect((term.start / DAY) % days).toBe(0);
      }
    }
    return terms;
  };

  it('covers every hour of a range exactly once, with and without subtraction', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const base = Date.UTC(2026, 0, 1) / 1000;
    for (let i = 0; i < 400; i++) {
      const from = base + random(400 * 24) * HOUR;
      const to = from + (1 + random(24 * (i % 3 === 0 ? 400 : 40))) * HOUR;
      check(from, to, false);
      check(from, to, true);
    }
  });

  it('answers 30 Berlin days with a few blocks and the odd hour', () => {
    // 2026-10-27 23:00 UTC to 2026-11-26 23:00 UTC: local midnight to local midnight.
    const from = Date.UTC(2026, 9, 27, 23) / 1000;
    const to = Date.UTC(2026, 10, 26, 23) / 1000;
    const site = check(from, to, false);
    expect(site.filter((t) => t.span > 1)).toHaveLength(7);
    expect(site.filter((t) => t.span === 1)).toHaveLength(24);
    // Per page the last day is taken whole and its last hour taken away.
    const page = check(from, to, true);
    expect(page).toHaveLength(6);
    expect(page.filter((t) => t.weight < 0)).toEqual([{ span: 1, start: to, weight: -1 }]);
  });

  it('needs whole hours', () => {
    expect(() => coverRange(1800, 7200, false)).toThrow();
    expect(coverRange(7200, 7200, true)).toEqual([]);
  });
});

describe('bucketValue', () => {
  it('is exact below 50 and within 1 % above, for milliseconds and CLS units', () => {
    for (let v = 0; v < 50; v++) expect(bucketValue(bucket(v))).toBe(v);
    for (let v = 50; v <= 600_000; v += v < 5000 ? 1 : 97) {
      const got = bucketValue(bucket(v));
      expect(Math.abs(got - v) / v, `${v} → ${got}`).toBeLessThanOrEqual(0.01);
    }
  });
});

describe('midnightHours', () => {
  it('lists the UTC hours at which local days begin in the range', () => {
    const range = (a: string, b: string) => ({ from: Date.parse(a) / 1000, to: Date.parse(b) / 1000 });
    // Berlin leaves summer time on 2026-10-25.
    expect(midnightHours(range('2026-10-01T00:00Z', '2026-11-30T00:00Z'), 'Europe/Berlin')).toEqual([22, 23]);
    expect(midnightHours(range('2026-11-01T00:00Z', '2026-11-30T00:00Z'), 'Europe/Berlin')).toEqual([23]);
    expect(midnightHours(range('2026-11-01T00:00Z', '2026-11-30T00:00Z'), 'UTC')).toEqual([0]);
    // New York leaves summer time on 2026-11-01.
    expect(midnightHours(range('2026-10-20T00:00Z', '2026-11-30T00:00Z'), 'America/New_York')).toEqual([
      4, 5,
    ]);
    expect(midnightHours(range('2026-11-02T00:00Z', '2026-11-30T00:00Z'), 'America/New_York')).toEqual([5]);
    expect(midnightHours(range('2026-11-01T00:00Z', '2026-11-30T00:00Z'), 'Asia/Kolkata')).toEqual([]);
  });
});

describe('0006_performance_rollups.sql', () => {
  it('counts the bands with the thresholds of BANDS, in BANDS order', () => {
    const list = (name: string) =>
      MIGRATION.match(new RegExp(`\\[([^\\]]*)\\] AS ${name},?\\n`))?.[1]
        ?.split(',')
        .map((s) => s.trim().replace(/^toFloat64\(toFloat32\((.*)\)\)$/, '$1'))
        .map(Number);
    const bands = Object.values(BANDS);
    expect(list('good')).toEqual(bands.map((b) => b.good));
    expect(list('poor')).toEqual(bands.map((b) => b.poor));
    const banded = MIGRATION.match(/\[([^\]]*)\] AS banded/)?.[1];
    expect(banded?.match(/e\.(\w+)/g)).toEqual(bands.map((b) => `e.${b.column}`));
  });

  it('keeps the timings in METRICS order and the key layout of HISTOGRAM', () => {
    const timings = MIGRATION.match(/\[([^\]]*)\] AS timings/)?.[1];
    expect(timings?.match(/e\.(\w+)/g)).toEqual(METRICS.map(([, column]) => `e.${column}`));
    expect(timings).toContain(`round(e.cls * ${HISTOGRAM.clsScale})`);
    const { exactBelow, ratio, slots, bandsKey, samplesKey } = HISTOGRAM;
    expect(MIGRATION).toContain(`(i - 1) * ${slots}`);
    expect(MIGRATION).toContain(
      `least(if(assumeNotNull(v) < ${exactBelow}, assumeNotNull(v), ${exactBelow} + floor(log(assumeNotNull(v) / ${exactBelow}) / log(${ratio}))), ${slots - 1})`,
    );
    expect(MIGRATION).toContain(`toUInt16(${bandsKey - 3} + 3 * i`);
    expect(MIGRATION).toContain(`[toUInt16(${samplesKey})]`);
    expect(bandsKey).toBe(METRICS.length * slots);
    expect(samplesKey).toBe(bandsKey + 3 * Object.keys(BANDS).length);
  });
});
