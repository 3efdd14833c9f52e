/**
 * The pages panel's tabs: top pages with their engagement (scroll depth, time on page, as
 * Plausible v3 shows them), entry pages, exit pages with their exit rate, and the distribution of
 * visit durations. Kept apart from
 * dashboard.tsx so the queries they send can be tested against the API (test/workers/stats/).
 */
import type { Metric, View } from '../stats';
import type { PanelTab } from './panel-tab';

/** The Stats API refuses exit_rate under a filter on events (Plausible's rule): an event has no exit. */
function exitRateUnavailable(view: View): Metric[] {
  return view.chips.some((chip) => chip.dimension.startsWith('event:')) ? ['exit_rate'] : [];
}

/** Names of the buckets of `visit:duration_bucket`, by lower bound in seconds (functions/stats/schema.ts). */
const DURATION_BUCKETS: [number, string][] = [
  [0, '0–10 s'],
  [10, '10–30 s'],
  [30, '30 s–1 min'],
  [60, '1–3 min'],
  [180, '3–10 min'],
  [600, '10–30 min'],
  [1800, '30 min +'],
];

function durationBucketName(value: string): string {
  return DURATION_BUCKETS.find(([bound]) => String(bound) === value)?.[1] ?? value;
}

export const PAGE_TABS: PanelTab[] = [
  {
    id: 'pages',
    label: 'Top pages',
    dimension: 'event:page',
    metrics: ['visitors', 'pageviews', 'scroll_depth', 'time_on_page'],
    columns: ['Visitors', 'Pageviews', 'Scroll depth', 'Time on page'],
  },
  {
    id: 'entry-pages',
    label: 'Entry pages',
    dimension: 'visit:entry_page',
    metrics: ['visitors'],
    columns: ['Visitors'],
  },
  {
    id: 'exit-pages',
    label: 'Exit pages',
    dimension: 'visit:exit_page',
    metrics: ['visitors', 'visits', 'exit_rate'],
    columns: ['Visitors', 'Exits', 'Exit rate'],
    unavailable: exitRateUnavailable,
  },
  {
    // A histogram of visit durations: buckets in their own order, not by size.
    id: 'visit-duration',
    label: 'Visit duration',
    dimension: 'visit:duration_bucket',
    metrics: ['visits', 'visitors'],
    columns: ['Visits', 'Visitors'],
    display: durationBucketName,
    values: DURATION_BUCKETS.map(([bound]) => String(bound)),
    // A chip would show the bucket's bound, not its name; the API takes the filter all the same.
    noFilter: true,
  },
];
