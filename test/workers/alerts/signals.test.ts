/** The alert rules on their own: when a day is a drop, and when a p75 moved into a worse band. */
import { describe, expect, it } from 'vitest';
import {
  bandOf,
  MIN_DROP_MEDIAN,
  MIN_VITALS_SAMPLES,
  median,
  trafficDrop,
  vitalsRegressions,
} from '../../../functions/alerts/signals';
import type { PerformanceRow } from '../../../functions/performance';

const DAY = '2026-06-09';
const REFERENCE = ['2026-05-12', '2026-05-19', '2026-05-26', '2026-06-02'];

function days(reference: number[], yesterday: number): Map<string, number> {
  const map = new Map<string, number>(REFERENCE.map((d, i) => [d, reference[i] ?? 0]));
  map.set(DAY, yesterday);
  return map;
}

describe('trafficDrop', () => {
  it('finds a day under ratio × the median of the 4 same weekdays before', () => {
    const drop = trafficDrop(days([40, 10, 30, 20], 12), DAY, 0.5);
    // Median of 10, 20, 30, 40 is 25; 12 < 12.5.
    expect(drop).toEqual({
      day: DAY,
      visitors: 12,
      median: 25,
      ratio: 0.5,
      reference: REFERENCE.map((day, i) => ({ day, visitors: [40, 10, 30, 20][i] })),
    });
    expect(trafficDrop(days([40, 10, 30, 20], 13), DAY, 0.5)).toBeNull();
    // Exactly at the line is not under it.
    expect(trafficDrop(days([20, 20, 20, 20], 10), DAY, 0.5)).toBeNull();
    expect(trafficDrop(days([20, 20, 20, 20], 15), DAY, 0.8)).not.toBeNull();
    // A day without visitors at all is the plainest drop.
    expect(trafficDrop(days([20, 20, 20, 20], 0), DAY, 0.5)?.visitors).toBe(0);
  });

  it('says nothing with too little history: a reference day without visitors, or a small median', () => {
    expect(trafficDrop(days([0, 50, 50, 50], 0), DAY, 0.5)).toBeNull();
    expect(trafficDrop(new Map([[DAY, 0]]), DAY, 0.5)).toBeNull();
    const small = MIN_DROP_MEDIAN - 1;
    expect(trafficDrop(days([small, small, small, small], 0), DAY, 0.5)).toBeNull();
    expect(trafficDrop(days([MIN_DROP_MEDIAN, MIN_DROP_MEDIAN, 30, 30], 0), DAY, 0.5)).not.toBeNull();
  });

  it('takes the median, so one holiday or one viral day in the weeks before does not move it', () => {
    expect(median([1, 100, 100, 100])).toBe(100);
    expect(median([100, 100, 100, 10_000])).toBe(100);
    expect(median([3, 1, 2])).toBe(2);
  });
});

describe('bandOf', () => {
  it("uses Google's thresholds, good and needs improvement inclusive at their upper bound", () => {
    expect(bandOf('lcp', 2500)).toBe('good');
    expect(bandOf('lcp', 2501)).toBe('needs_improvement');
    expect(bandOf('lcp', 4000)).toBe('needs_improvement');
    expect(bandOf('lcp', 4001)).toBe('poor');
    expect(bandOf('inp', 200)).toBe('good');
    expect(bandOf('inp', 501)).toBe('poor');
    expect(bandOf('cls', 0.1)).toBe('good');
    expect(bandOf('cls', 0.26)).toBe('poor');
  });
});

function row(
  p75: { lcp: number | null; inp: number | null; cls: number | null },
  samples: number,
): PerformanceRow {
  const percentiles = (value: number | null) => ({ p50: value, p75: value, p95: value });
  const bands = { good: samples, needs_improvement: 0, poor: 0 };
  const none = { p50: null, p75: null, p95: null };
  return {
    dimension: null,
    samples,
    metrics: {
      lcp: percentiles(p75.lcp),
      inp: percentiles(p75.inp),
      cls: percentiles(p75.cls),
      fcp: none,
      ttfb: none,
      dns: none,
      connect: none,
      dom_interactive: none,
      load: none,
    },
    bands: { lcp: bands, inp: bands, cls: bands, fcp: bands, ttfb: bands },
  };
}

describe('vitalsRegressions', () => {
  const before = row({ lcp: 2000, inp: 150, cls: 0.05 }, 500);

  it('lists each metric whose p75 moved into a worse band', () => {
    const found = vitalsRegressions(row({ lcp: 4500, inp: 150, cls: 0.2 }, 500), before);
    expect(found.map((r) => [r.metric, r.baseline.band, r.current.band])).toEqual([
      ['lcp', 'good', 'poor'],
      ['cls', 'good', 'needs_improvement'],
    ]);
    expect(found[0]?.current).toEqual({ p75: 4500, band: 'poor', samples: 500 });
  });

  it('ignores a worse value within the same band, an improvement, and a metric without data', () => {
    expect(vitalsRegressions(row({ lcp: 2400, inp: 190, cls: 0.09 }, 500), before)).toEqual([]);
    const poorBefore = row({ lcp: 5000, inp: 600, cls: 0.3 }, 500);
    expect(vitalsRegressions(row({ lcp: 3000, inp: 300, cls: 0.2 }, 500), poorBefore)).toEqual([]);
    expect(vitalsRegressions(row({ lcp: null, inp: null, cls: null }, 500), before)).toEqual([]);
  });

  it(`needs ${MIN_VITALS_SAMPLES} page loads with the metric in each window`, () => {
    const worse = { lcp: 4500, inp: 150, cls: 0.05 };
    expect(vitalsRegressions(row(worse, MIN_VITALS_SAMPLES - 1), before)).toEqual([]);
    expect(vitalsRegressions(row(worse, 500), row({ lcp: 2000, inp: 150, cls: 0.05 }, 99))).toEqual([]);
    expect(vitalsRegressions(row(worse, MIN_VITALS_SAMPLES), before)).toHaveLength(1);
  });
});
