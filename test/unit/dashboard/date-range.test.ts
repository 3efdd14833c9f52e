import { describe, expect, it } from 'vitest';
import {
  dateRangeParam,
  isIsoDate,
  parseRange,
  rangeLabel,
  timeDimension,
  writeRange,
} from '../../../dashboard/src/lib/date-range';

const parse = (query: string) => parseRange(new URLSearchParams(query));

describe('date range', () => {
  it('defaults to the last 7 days', () => {
    expect(parse('')).toEqual({ period: '7d' });
    expect(dateRangeParam(parse(''))).toBe('7d');
  });

  it('passes named periods to the API as they are', () => {
    for (const period of ['day', '7d', '30d', 'month', '6mo', '12mo']) {
      expect(dateRangeParam(parse(`period=${period}`))).toBe(period);
    }
  });

  it('sends a custom range as [first day, last day]', () => {
    expect(dateRangeParam(parse('period=custom&from=2026-11-01&to=2026-11-20'))).toEqual([
      '2026-11-01',
      '2026-11-20',
    ]);
  });

  it('falls back to the default for unknown periods and bad custom dates', () => {
    expect(parse('period=forever')).toEqual({ period: '7d' });
    expect(parse('period=custom&from=2026-11-20&to=2026-11-01')).toEqual({ period: '7d' });
    expect(parse('period=custom&from=2026-02-30&to=2026-03-01')).toEqual({ period: '7d' });
    expect(parse('period=custom&from=yesterday&to=2026-03-01')).toEqual({ period: '7d' });
  });

  it('charts hours for a day, days up to a quarter, then weeks and months', () => {
    expect(timeDimension({ period: 'day' })).toBe('time:hour');
    expect(timeDimension({ period: '7d' })).toBe('time:day');
    expect(timeDimension({ period: '30d' })).toBe('time:day');
    expect(timeDimension({ period: 'month' })).toBe('time:day');
    expect(timeDimension({ period: '6mo' })).toBe('time:week');
    expect(timeDimension({ period: '12mo' })).toBe('time:month');
    expect(timeDimension({ period: 'custom', from: '2026-11-01', to: '2026-11-02' })).toBe('time:hour');
    expect(timeDimension({ period: 'custom', from: '2026-09-01', to: '2026-11-30' })).toBe('time:day');
    expect(timeDimension({ period: 'custom', from: '2026-01-01', to: '2026-11-30' })).toBe('time:week');
    expect(timeDimension({ period: 'custom', from: '2024-01-01', to: '2026-11-30' })).toBe('time:month');
  });

  it('round-trips through the URL and keeps the default out of it', () => {
    const search = new URLSearchParams('f=event:page~/a');
    writeRange(search, { period: 'custom', from: '2026-11-01', to: '2026-11-03' });
    expect(parse(search.toString())).toEqual({ period: 'custom', from: '2026-11-01', to: '2026-11-03' });
    writeRange(search, { period: '7d' });
    expect(search.toString()).toBe('f=event%3Apage%7E%2Fa');
  });

  it('labels ranges for people', () => {
    expect(rangeLabel({ period: '30d' })).toBe('Last 30 days');
    expect(rangeLabel({ period: 'custom', from: '2026-11-01', to: '2026-11-03' })).toBe(
      '2026-11-01 – 2026-11-03',
    );
  });

  it('checks calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-1-01')).toBe(false);
  });
});
