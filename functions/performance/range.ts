/**
 * Date ranges of the performance endpoint, resolved in the site's time zone to [from, to) in UTC
 * seconds. Same presets and custom forms as the Stats API's date_range, resolved by the same code
 * (functions/stats/dates.ts).
 */
import { resolveRange as resolveStatsRange } from '../stats/dates';
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
