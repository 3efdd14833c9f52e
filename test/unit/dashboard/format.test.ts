import { describe, expect, it } from 'vitest';
import {
  changePercent,
  formatChange,
  formatDuration,
  formatMs,
  formatNumber,
  formatPercent,
} from '../../../dashboard/src/lib/format';

describe('number formatting', () => {
  it('is exact below a thousand and compact above', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(950)).toBe('950');
    expect(formatNumber(2.456)).toBe('2.46');
    expect(formatNumber(1234)).toBe('1.2K');
    expect(formatNumber(3_400_000)).toBe('3.4M');
    expect(formatNumber(null)).toBe('—');
  });

  it('shows percentages with one decimal only when small', () => {
    expect(formatPercent(42.4)).toBe('42%');
    expect(formatPercent(3.456)).toBe('3.5%');
    expect(formatPercent(undefined)).toBe('—');
  });

  it('shows durations in seconds, minutes and hours', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(3720)).toBe('1h 02m');
    expect(formatDuration(-3)).toBe('0s');
  });

  it('shows milliseconds, and seconds from one second on', () => {
    expect(formatMs(850.4)).toBe('850 ms');
    expect(formatMs(2449)).toBe('2.4 s');
  });

  it('computes the change from the previous period, none when it was zero', () => {
    expect(changePercent(120, 100)).toBe(20);
    expect(changePercent(50, 100)).toBe(-50);
    expect(changePercent(5, 0)).toBeNull();
    expect(changePercent(5, null)).toBeNull();
    expect(formatChange(12)).toBe('+12%');
    expect(formatChange(-3)).toBe('−3%');
    expect(formatChange(0)).toBe('0%');
    expect(formatChange(null)).toBe('');
  });
});
