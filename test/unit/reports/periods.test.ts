import { describe, expect, it } from 'vitest';
import { dueReports, lastCompletePeriod } from '../../../functions/reports/periods';

describe('report periods', () => {
  it('daily: yesterday, the day before, and the same weekday a week earlier', () => {
    expect(lastCompletePeriod('daily', '2026-03-01')).toEqual({
      frequency: 'daily',
      firstDay: '2026-02-28',
      lastDay: '2026-02-28',
      previous: { firstDay: '2026-02-27', lastDay: '2026-02-27' },
      sameDayLastWeek: { firstDay: '2026-02-21', lastDay: '2026-02-21' },
    });
  });

  it('weekly: the last Monday–Sunday week that ended before today', () => {
    const monday = lastCompletePeriod('weekly', '2026-10-26');
    expect([monday.firstDay, monday.lastDay]).toEqual(['2026-10-19', '2026-10-25']);
    expect(monday.previous).toEqual({ firstDay: '2026-10-12', lastDay: '2026-10-18' });
    const sunday = lastCompletePeriod('weekly', '2026-10-25');
    expect([sunday.firstDay, sunday.lastDay]).toEqual(['2026-10-12', '2026-10-18']);
  });

  it('monthly: last calendar month, across a year end', () => {
    const january = lastCompletePeriod('monthly', '2027-01-01');
    expect([january.firstDay, january.lastDay]).toEqual(['2026-12-01', '2026-12-31']);
    expect(january.previous).toEqual({ firstDay: '2026-11-01', lastDay: '2026-11-30' });
    const march = lastCompletePeriod('monthly', '2028-03-15');
    expect([march.firstDay, march.lastDay]).toEqual(['2028-02-01', '2028-02-29']);
  });

  it('due only from 07:00 to 12:59 local; weekly on Mondays, monthly on the 1st', () => {
    const kinds = (iso: string, tz: string) => dueReports(Date.parse(iso), tz).map((p) => p.frequency);
    // Monday 2027-02-01 in Berlin (UTC+1).
    expect(kinds('2027-02-01T05:59:00Z', 'Europe/Berlin')).toEqual([]);
    expect(kinds('2027-02-01T06:00:00Z', 'Europe/Berlin')).toEqual(['daily', 'weekly', 'monthly']);
    expect(kinds('2027-02-01T11:59:00Z', 'Europe/Berlin')).toEqual(['daily', 'weekly', 'monthly']);
    expect(kinds('2027-02-01T12:00:00Z', 'Europe/Berlin')).toEqual([]);
    // Tuesday the 2nd, 07:15 in Kathmandu (UTC+05:45).
    expect(kinds('2027-02-02T01:30:00Z', 'Asia/Kathmandu')).toEqual(['daily']);
    expect(kinds('2027-02-02T01:00:00Z', 'Asia/Kathmandu')).toEqual([]);
  });
});
