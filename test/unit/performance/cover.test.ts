import { describe, expect, it } from 'vitest';
import { coverDays, type DaysCover } from '../../../functions/performance/cover';

const HOUR = 3600;
const DAY = 86_400;

const formats = new Map<string, Intl.DateTimeFormat>();

function localDate(at: number, timezone: string): string {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formats.set(timezone, format);
  }
  return format.format(new Date(at * 1000));
}

/**
 * What a cover adds up to, hour by hour, as "bucket|hour" → weight: a day row counts each of its
 * hours for the local day holding its noon (or one bucket without a zone), an added hour for its
 * own bucket, a taken-away hour against its day row's bucket. Zero weights are dropped.
 */
function sumOf(cover: DaysCover, timezone: string | null): Map<string, number> {
  const bucketOfDay = (day: number) => (timezone ? localDate(day * DAY + DAY / 2, timezone) : '');
  const own = (h: number) => (timezone ? localDate(h, timezone) : '');
  const sum = new Map<string, number>();
  const add = (bucket: string, h: number, w: number) => {
    const key = `${bucket}|${h}`;
    sum.set(key, (sum.get(key) ?? 0) + w);
  };
  for (const day of cover.days)
    for (let h = day * DAY; h < (day + 1) * DAY; h += HOUR) add(bucketOfDay(day), h, 1);
  for (const h of cover.plus) add(own(h), h, 1);
  for (const h of cover.minus) add(bucketOfDay(Math.floor(h / DAY)), h, -1);
  for (const [key, w] of sum) if (w === 0) sum.delete(key);
  return sum;
}

function want(from: number, to: number, timezone: string | null): Map<string, number> {
  const sum = new Map<string, number>();
  for (let h = from; h < to; h += HOUR) sum.set(`${timezone ? localDate(h, timezone) : ''}|${h}`, 1);
  return sum;
}

let seed = 12345;
function random(n: number): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed % n;
}

describe('coverDays', () => {
  const base = Date.UTC(2026, 0, 1) / 1000;

  it('adds up to every hour of a range exactly once, reading at most 12 raw hours per end', () => {
    for (let i = 0; i < 300; i++) {
      const from = base + random(400 * 24) * HOUR;
      const to = from + (1 + random(24 * (i % 3 === 0 ? 400 : 40))) * HOUR;
      const cover = coverDays(from, to, null);
      expect(sumOf(cover, null)).toEqual(want(from, to, null));
      expect(cover.plus.length + cover.minus.length).toBeLessThanOrEqual(24);
    }
  });

  it('puts every hour in its own local day, across daylight-saving changes', () => {
    for (const timezone of [
      'Europe/Berlin',
      'America/Los_Angeles',
      'Asia/Tokyo',
      'Pacific/Auckland',
      'UTC',
    ]) {
      for (let i = 0; i < 12; i++) {
        const from = base + random(360 * 24) * HOUR;
        const to = from + (1 + random(24 * 20)) * HOUR;
        expect(sumOf(coverDays(from, to, { timezone }), timezone), `${timezone} ${from}…${to}`).toEqual(
          want(from, to, timezone),
        );
      }
    }
  });

  it('answers 30 Berlin days with 30 day rows, one hour added and one taken away', () => {
    // 2026-10-27 23:00 UTC to 2026-11-26 23:00 UTC: local midnight to local midnight.
    const from = Date.UTC(2026, 9, 27, 23) / 1000;
    const to = Date.UTC(2026, 10, 26, 23) / 1000;
    const cover = coverDays(from, to, null);
    expect(cover.days).toHaveLength(30);
    expect(cover.plus).toEqual([from]);
    expect(cover.minus).toEqual([to]);
    // By local day, each UTC day's last hour moves to the next local day as well.
    const byDay = coverDays(from, to, { timezone: 'Europe/Berlin' });
    expect(byDay.days).toHaveLength(30);
    expect(byDay.minus).toHaveLength(30);
    expect(byDay.plus).toHaveLength(30);
  });

  it('needs whole hours, and covers nothing for an empty range', () => {
    expect(() => coverDays(1800, 7200, null)).toThrow();
    expect(coverDays(7200, 7200, null)).toEqual({ days: [], plus: [], minus: [] });
  });
});
