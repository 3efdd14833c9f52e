import { describe, expect, it } from 'vitest';
import {
  bandShares,
  PERFORMANCE_FILTER_DIMENSIONS,
  performanceFilters,
  rate,
  timingPhases,
} from '../../../dashboard/src/lib/performance';
import { labelToSeconds, timeSeries } from '../../../dashboard/src/lib/series';
import { FILTER_DIMENSIONS } from '../../../functions/performance/query';

const p = (p50: number) => ({ p50, p75: p50, p95: p50 });

describe('browser timing phases', () => {
  it('stack into the load time: DNS, connect, then the gaps between the marks', () => {
    const phases = timingPhases({
      dns: p(20),
      connect: p(30),
      ttfb: p(200),
      dom_interactive: p(700),
      load: p(1200),
    });
    expect(phases).toEqual({ dns: 20, connect: 30, server: 150, dom: 500, load: 500 });
    expect(Object.values(phases).reduce((a, b) => a + b, 0)).toBe(1200);
  });

  it('never go negative when medians do not subtract exactly, and are zero without data', () => {
    expect(timingPhases({ dns: p(50), connect: p(80), ttfb: p(100), dom_interactive: p(90) })).toEqual({
      dns: 50,
      connect: 80,
      server: 0,
      dom: 0,
      load: 0,
    });
    expect(timingPhases({})).toEqual({ dns: 0, connect: 0, server: 0, dom: 0, load: 0 });
  });
});

describe('web vitals', () => {
  it('rate p75 values with the web.dev thresholds', () => {
    expect(rate('lcp', 2500)).toBe('good');
    expect(rate('lcp', 2501)).toBe('needs_improvement');
    expect(rate('lcp', 4001)).toBe('poor');
    expect(rate('cls', 0.05)).toBe('good');
    expect(rate('cls', 0.3)).toBe('poor');
    expect(rate('inp', 300)).toBe('needs_improvement');
  });

  it('turn bands into shares of 100, from counts or fractions', () => {
    expect(bandShares({ good: 6, needs_improvement: 3, poor: 1 })).toEqual({
      good: 60,
      needs_improvement: 30,
      poor: 10,
    });
    expect(bandShares({ good: 0.5, needs_improvement: 0.5, poor: 0 })).toEqual({
      good: 50,
      needs_improvement: 50,
      poor: 0,
    });
    expect(bandShares({ good: 0, needs_improvement: 0, poor: 0 })).toBeNull();
  });
});

describe('time series', () => {
  it('fills every labelled bucket and aligns the previous period', () => {
    const series = timeSeries(
      ['2026-11-01', '2026-11-02', '2026-11-03'],
      [
        { dimensions: ['2026-11-01'], metrics: [5], comparison: { metrics: [4] } },
        { dimensions: ['2026-11-03'], metrics: [7], comparison: { metrics: [9] } },
      ],
    );
    expect(series.current).toEqual([5, 0, 7]);
    expect(series.previous).toEqual([4, 0, 9]);
    expect(series.x).toEqual([
      labelToSeconds('2026-11-01'),
      labelToSeconds('2026-11-02'),
      labelToSeconds('2026-11-03'),
    ]);
  });

  it('reads day, hour and minute labels as wall-clock times', () => {
    expect(labelToSeconds('2026-11-01')).toBe(Date.UTC(2026, 10, 1) / 1000);
    expect(labelToSeconds('2026-11-01 13:00:00')).toBe(Date.UTC(2026, 10, 1, 13) / 1000);
    expect(labelToSeconds('2026-11-01T13:05:00Z')).toBe(Date.UTC(2026, 10, 1, 13, 5) / 1000);
  });

  it('has no previous series without a comparison', () => {
    expect(timeSeries(undefined, [{ dimensions: ['2026-11-01'], metrics: [1] }]).previous).toBeNull();
  });
});

describe('performanceFilters', () => {
  it('offers the dimensions the performance endpoint takes', () => {
    expect([...PERFORMANCE_FILTER_DIMENSIONS].sort()).toEqual([...FILTER_DIMENSIONS].sort());
  });

  it('keeps the filters timings can answer and names the others once', () => {
    const filters: [string, string, string[]][] = [
      ['is', 'event:page', ['/pricing']],
      ['is', 'event:goal', ['Signup']],
      ['contains', 'visit:country', ['D']],
      ['is', 'segment', ['4']],
      ['is_not', 'event:goal', ['Purchase']],
    ];
    expect(performanceFilters(filters)).toEqual({
      applied: [
        ['is', 'event:page', ['/pricing']],
        ['contains', 'visit:country', ['D']],
        ['is', 'segment', ['4']],
      ],
      skipped: ['event:goal'],
    });
    expect(performanceFilters([])).toEqual({ applied: [], skipped: [] });
  });
});
