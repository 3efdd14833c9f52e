import { describe, expect, it } from 'vitest';
import { comparisonRange, dayRange, resolveRange, timeLabels } from '../../../functions/stats/dates';
import type { DatePreset } from '../../../functions/stats/validate';

// Wednesday 2026-10-07, 01:30 in Berlin (23:30 UTC the day before).
const NOW = Date.parse('2026-10-06T23:30:00Z');
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe('resolveRange in the site time zone', () => {
  const days: [DatePreset, string, string][] = [
    ['day', '2026-10-07', '2026-10-07'],
    ['7d', '2026-10-01', '2026-10-07'],
    ['28d', '2026-09-10', '2026-10-07'],
    ['30d', '2026-09-08', '2026-10-07'],
    ['91d', '2026-07-09', '2026-10-07'],
    ['month', '2026-10-01', '2026-10-31'],
    ['6mo', '2026-05-01', '2026-10-31'],
    ['12mo', '2025-11-01', '2026-10-31'],
    ['year', '2026-01-01', '2026-12-31'],
  ];
  for (const [preset, first, last] of days) {
    it(`${preset} → ${first} … ${last} (today is the 7th in Berlin, still the 6th in UTC)`, () => {
      const range = resolveRange({ kind: 'preset', preset }, 'Europe/Berlin', NOW);
      expect([range.firstDay, range.lastDay]).toEqual([first, last]);
    });
  }

  it('a day starts at local midnight: 22:00 UTC in Berlin summer time, 23:00 in winter', () => {
    const summer = dayRange('2026-10-05', '2026-10-05', 'Europe/Berlin');
    expect([iso(summer.from), iso(summer.to)]).toEqual([
      '2026-10-04T22:00:00.000Z',
      '2026-10-05T22:00:00.000Z',
    ]);
    const change = dayRange('2026-10-25', '2026-10-25', 'Europe/Berlin');
    // The day clocks go back lasts 25 hours.
    expect([iso(change.from), iso(change.to)]).toEqual([
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ]);
  });

  it('"all" starts on the first day with events', () => {
    const range = resolveRange({ kind: 'preset', preset: 'all' }, 'UTC', NOW, '2026-01-15');
    expect([range.firstDay, range.lastDay]).toEqual(['2026-01-15', '2026-10-06']);
  });

  it('realtime windows end now', () => {
    const five = resolveRange({ kind: 'preset', preset: 'realtime' }, 'UTC', NOW);
    expect(five.to - five.from).toBe(300);
    expect(five.realtime).toBe(true);
    const thirty = resolveRange({ kind: 'preset', preset: '30m' }, 'UTC', NOW);
    expect(thirty.to - thirty.from).toBe(1800);
  });

  it('date-times without an offset are local time; with one they are exact; the end is inclusive', () => {
    const local = resolveRange(
      { kind: 'custom', from: '2026-10-05T10:00:00', to: '2026-10-05T10:59:59' },
      'Europe/Berlin',
      NOW,
    );
    expect([iso(local.from), iso(local.to)]).toEqual([
      '2026-10-05T08:00:00.000Z',
      '2026-10-05T09:00:00.000Z',
    ]);
    const exact = resolveRange(
      { kind: 'custom', from: '2026-10-05T10:00:00Z', to: '2026-10-05T10:59:59Z' },
      'Europe/Berlin',
      NOW,
    );
    expect(iso(exact.from)).toBe('2026-10-05T10:00:00.000Z');
  });
});

describe('comparisonRange', () => {
  const week = dayRange('2026-10-01', '2026-10-07', 'Europe/Berlin');
  it('previous_period: the same number of days just before', () => {
    const previous = comparisonRange(week, 'previous_period', 'Europe/Berlin');
    expect([previous.firstDay, previous.lastDay]).toEqual(['2026-09-24', '2026-09-30']);
  });
  it('year_over_year: the same dates a year before', () => {
    const previous = comparisonRange(week, 'year_over_year', 'Europe/Berlin');
    expect([previous.firstDay, previous.lastDay]).toEqual(['2025-10-01', '2025-10-07']);
  });
  it('realtime compares with the window before it', () => {
    const now = resolveRange({ kind: 'preset', preset: '30m' }, 'UTC', NOW);
    const previous = comparisonRange(now, 'previous_period', 'UTC');
    expect(previous.to).toBe(now.from);
  });
});

describe('timeLabels', () => {
  it('hours of a day in the site zone, including the repeated hour when clocks go back', () => {
    const labels = timeLabels(dayRange('2026-10-25', '2026-10-25', 'Europe/Berlin'), 'hour', 'Europe/Berlin');
    expect(labels[0]).toBe('2026-10-25 00:00:00');
    expect(labels.at(-1)).toBe('2026-10-25 23:00:00');
    // 02:00 happens twice but is one label.
    expect(labels).toHaveLength(24);
  });
  it('weeks start on Monday; the first carries the range start', () => {
    expect(timeLabels(dayRange('2026-10-01', '2026-10-20', 'UTC'), 'week', 'UTC')).toEqual([
      '2026-10-01',
      '2026-10-05',
      '2026-10-12',
      '2026-10-19',
    ]);
  });
  it('months', () => {
    expect(timeLabels(dayRange('2026-08-15', '2026-10-02', 'UTC'), 'month', 'UTC')).toEqual([
      '2026-08-01',
      '2026-09-01',
      '2026-10-01',
    ]);
  });
});
