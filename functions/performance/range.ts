/**
 * Date ranges of the performance endpoint, resolved in the site's time zone to [from, to) in UTC
 * seconds. Same presets and custom forms as the Stats API's date_range, resolved by the same code
 * (functions/stats/dates.ts).
 */
import { resolveRange as resolveStatsRange, zoneOffsetMs } from '../stats/dates';
import type { DateRangeInput } from './query';

export interface UtcRange {
  /** Inclusive, unix seconds. */
  from: number;
  /** Exclusive, unix seconds. */
  to: number;
}

export function resolveRange(input: DateRangeInput, timezone: string, nowMs: number): UtcRange {
  const range = resolveStatsRange(
    input.kind === 'preset' ? input : { kind: 'custom', from: input.from, to: input.to },
    timezone,
    nowMs,
  );
  return { from: range.from, to: range.to };
}

/** True when both ends fall on whole UTC hours, so the hourly rollup can answer exactly. */
export function isHourAligned(range: UtcRange): boolean {
  return range.from % 3600 === 0 && range.to % 3600 === 0;
}

const WEEK_MS = 7 * 86_400_000;

/**
 * The UTC hours (0–23) at which the zone's days begin during the range: one hour for a zone
 * without daylight saving, two for Berlin (23 in winter, 22 in summer). The offset is looked up at
 * the start, at the end and once a week between (no zone changes its offset for less than a
 * week). Zones whose offset is not a whole number of hours have no such hour.
 */
export function midnightHours(range: UtcRange, timezone: string): number[] {
  const hours = new Set<number>();
  const fromMs = range.from * 1000;
  const toMs = range.to * 1000;
  for (let t = fromMs; ; t = Math.min(t + WEEK_MS, toMs - 1)) {
    const offset = zoneOffsetMs(t, timezone);
    if (offset % 3_600_000 === 0) hours.add((((-offset / 3_600_000) % 24) + 24) % 24);
    if (t >= toMs - 1) break;
  }
  return [...hours].sort((a, b) => a - b);
}
