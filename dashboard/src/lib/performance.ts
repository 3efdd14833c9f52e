/**
 * Pure pieces of the performance panel: the browser-timing phases stacked into one bar, and the
 * web-vitals thresholds that colour a p75.
 */

export interface Percentiles {
  p50: number | null;
  p75: number | null;
  p95: number | null;
}

export type VitalName = 'lcp' | 'inp' | 'cls' | 'fcp' | 'ttfb';
export type TimingName = 'dns' | 'connect' | 'ttfb' | 'dom_interactive' | 'load';

export interface Bands {
  good: number;
  needs_improvement: number;
  poor: number;
}

export interface PerformanceRow {
  dimension: string | null;
  samples: number;
  metrics: Partial<Record<VitalName | TimingName, Percentiles>>;
  bands: Partial<Record<VitalName, Bands>>;
}

export const PHASES = [
  { key: 'dns', label: 'DNS' },
  { key: 'connect', label: 'Connect + TLS' },
  { key: 'server', label: 'Server (TTFB)' },
  { key: 'dom', label: 'DOM interactive' },
  { key: 'load', label: 'Load' },
] as const;

export type PhaseKey = (typeof PHASES)[number]['key'];

/**
 * One bar of the timings chart from the medians. The tracker measures DNS and connect as
 * durations but TTFB, DOM interactive and load from the start of navigation, so each later
 * phase is the gap to the previous mark: the segments then add up to the load time. Medians do
 * not subtract exactly, so a negative gap counts as zero.
 */
export function timingPhases(metrics: PerformanceRow['metrics']): Record<PhaseKey, number> {
  const median = (name: TimingName): number => metrics[name]?.p50 ?? 0;
  const dns = Math.max(0, median('dns'));
  const connect = Math.max(0, median('connect'));
  const ttfb = median('ttfb');
  const dom = median('dom_interactive');
  const load = median('load');
  const server = Math.max(0, ttfb - dns - connect);
  const domGap = dom > 0 ? Math.max(0, dom - Math.max(ttfb, dns + connect)) : 0;
  const loadGap = load > 0 ? Math.max(0, load - Math.max(dom, ttfb, dns + connect)) : 0;
  return { dns, connect, server, dom: domGap, load: loadGap };
}

export type Rating = 'good' | 'needs_improvement' | 'poor';

/** web.dev's thresholds: at or below the first is good, above the second is poor. */
export const VITALS: readonly {
  key: VitalName;
  label: string;
  good: number;
  poor: number;
  unit: 'ms' | '';
}[] = [
  { key: 'lcp', label: 'Largest Contentful Paint', good: 2500, poor: 4000, unit: 'ms' },
  { key: 'inp', label: 'Interaction to Next Paint', good: 200, poor: 500, unit: 'ms' },
  { key: 'cls', label: 'Cumulative Layout Shift', good: 0.1, poor: 0.25, unit: '' },
  { key: 'fcp', label: 'First Contentful Paint', good: 1800, poor: 3000, unit: 'ms' },
  { key: 'ttfb', label: 'Time to First Byte', good: 800, poor: 1800, unit: 'ms' },
];

export function rate(key: VitalName, value: number): Rating {
  const vital = VITALS.find((v) => v.key === key);
  if (!vital || value <= vital.good) return 'good';
  return value <= vital.poor ? 'needs_improvement' : 'poor';
}

/** Bands as shares of 100, whether the API sends counts or fractions. */
export function bandShares(bands: Bands | undefined): Bands | null {
  if (!bands) return null;
  const total = bands.good + bands.needs_improvement + bands.poor;
  if (!(total > 0)) return null;
  return {
    good: (bands.good / total) * 100,
    needs_improvement: (bands.needs_improvement / total) * 100,
    poor: (bands.poor / total) * 100,
  };
}

/**
 * Dimensions the performance endpoint filters by (functions/performance/query.ts): the page and
 * what the visitor's address and browser say. A page load has no goal, source or custom property,
 * so the panel answers without those filters and says which it left out.
 */
export const PERFORMANCE_FILTER_DIMENSIONS: readonly string[] = [
  'event:page',
  'event:hostname',
  'visit:country',
  'visit:device',
  'visit:browser',
  'visit:os',
];

/**
 * The filters the performance endpoint takes, and the dimensions of those it cannot apply. A
 * saved segment goes along: the endpoint writes its filters out, and names it in a 400 when they
 * are not all of the dimensions above.
 */
export function performanceFilters<F extends readonly [string, string, readonly string[]]>(
  filters: readonly F[],
): { applied: F[]; skipped: string[] } {
  const applied: F[] = [];
  const skipped: string[] = [];
  for (const filter of filters) {
    if (PERFORMANCE_FILTER_DIMENSIONS.includes(filter[1]) || filter[1] === 'segment') applied.push(filter);
    else if (!skipped.includes(filter[1])) skipped.push(filter[1]);
  }
  return { applied, skipped };
}
