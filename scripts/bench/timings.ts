/** Percentiles of repeated wall times, as the benchmarks report them. */

export interface Timings {
  p50: number;
  p95: number;
  min: number;
  max: number;
}

/** The nearest-rank percentile `q` (0…1) of ascending `sorted`; 0 for none. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

export function timings(values: number[]): Timings {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
  };
}
