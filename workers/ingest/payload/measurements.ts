import type { PerformanceField } from '../../events/record';
import { isPlainObject } from './json-body';
import { PayloadError } from './types';

/** Engaged time beyond this is clamped: a tab left open over lunch is not 2 h of reading. */
export const MAX_ENGAGED_MS = 30 * 60 * 1000;
/** Timings beyond this are clamped: they are broken clocks or suspended tabs, not page loads. */
export const MAX_TIMING_MS = 10 * 60 * 1000;
/** Cumulative layout shift has no upper bound in theory; past this it is a measurement bug. */
export const MAX_CLS = 100;

/** Tracker key → column, for the `v` object of performance events. */
const PERFORMANCE_KEYS: ReadonlyArray<readonly [string, PerformanceField]> = [
  ['lcp', 'lcp_ms'],
  ['inp', 'inp_ms'],
  ['cls', 'cls'],
  ['fcp', 'fcp_ms'],
  ['ttfb', 'ttfb_ms'],
  ['dns', 'dns_ms'],
  ['conn', 'connect_ms'],
  ['dom', 'dom_interactive_ms'],
  ['load', 'load_ms'],
];

/**
 * Scroll depth (`sd`, percent 0..100) and engaged time (`e`, ms ≥ 0) of an engagement event. At
 * least one must be present. Engaged time is clamped to {@link MAX_ENGAGED_MS}.
 */
export function engagement(
  sd: unknown,
  e: unknown,
): { scrollDepth: number | null; engagedMs: number | null } {
  const scrollDepth = nonNegative(sd, 'sd', 100);
  const engagedMs = nonNegative(e, 'e', Number.POSITIVE_INFINITY);
  if (scrollDepth === null && engagedMs === null) {
    throw new PayloadError('missing_field', 'engagement events need sd (scroll depth) or e (engaged ms)');
  }
  return {
    scrollDepth: scrollDepth === null ? null : Math.round(scrollDepth),
    engagedMs: engagedMs === null ? null : Math.min(Math.round(engagedMs), MAX_ENGAGED_MS),
  };
}

/**
 * Browser timings of a performance event from its `v` object. Unknown keys are ignored (newer
 * trackers may send more); known ones must be finite and non-negative. Millisecond values are
 * rounded and clamped to {@link MAX_TIMING_MS}; CLS keeps 4 decimals and is clamped to {@link MAX_CLS}.
 */
export function performanceTimings(v: unknown): Partial<Record<PerformanceField, number>> {
  if (v === undefined || v === null) {
    throw new PayloadError('missing_field', 'performance events need v (timings)');
  }
  if (!isPlainObject(v)) throw new PayloadError('invalid_field', 'v must be an object of timings');
  const timings: Partial<Record<PerformanceField, number>> = {};
  for (const [key, column] of PERFORMANCE_KEYS) {
    const value = nonNegative(v[key], `v.${key}`, Number.POSITIVE_INFINITY);
    if (value === null) continue;
    timings[column] =
      column === 'cls'
        ? Math.round(Math.min(value, MAX_CLS) * 10_000) / 10_000
        : Math.min(Math.round(value), MAX_TIMING_MS);
  }
  if (Object.keys(timings).length === 0) {
    throw new PayloadError(
      'missing_field',
      `v must hold at least one of ${PERFORMANCE_KEYS.map(([k]) => k).join(', ')}`,
    );
  }
  return timings;
}

/** A finite number in 0..max, or null when absent. */
function nonNegative(value: unknown, field: string, max: number): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? 'a non-negative number' : `a number from 0 to ${max}`;
    throw new PayloadError('invalid_field', `${field} must be ${range}`);
  }
  return value;
}
