/** Turns a time-dimension query result into aligned chart series (every bucket, zeros filled). */

export interface TimeRow {
  metrics: (number | null)[];
  dimensions: string[];
  comparison?: { metrics: (number | null)[] };
}

/** Parses the API's time labels ("2026-11-20", "2026-11-20 13:00:00", "2026-11-20T13:05:00Z") as UTC seconds. */
export function labelToSeconds(label: string): number {
  const iso = label.length === 10 ? `${label}T00:00:00Z` : `${label.replace(' ', 'T').replace(/Z$/, '')}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms / 1000;
}

export interface TimeSeries {
  x: number[];
  current: number[];
  /** The previous period, bucket by bucket; null when the response has no comparison. */
  previous: number[] | null;
}

/**
 * Buckets come from `time_labels` when the API sends them (so quiet hours show as zero), else
 * from the rows themselves; a row's comparison is drawn in the same bucket as the row.
 */
export function timeSeries(
  labels: readonly string[] | undefined,
  rows: readonly TimeRow[],
  metric = 0,
): TimeSeries {
  const byLabel = new Map(rows.map((r) => [r.dimensions[0] ?? '', r]));
  const all = labels && labels.length > 0 ? [...labels] : [...byLabel.keys()].sort();
  const hasComparison = rows.some((r) => r.comparison !== undefined);
  return {
    x: all.map(labelToSeconds),
    current: all.map((l) => byLabel.get(l)?.metrics[metric] ?? 0),
    previous: hasComparison ? all.map((l) => byLabel.get(l)?.comparison?.metrics[metric] ?? 0) : null,
  };
}
