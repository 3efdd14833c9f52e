/**
 * The pages panel's tabs: top pages with their engagement (scroll depth, time on page, as
 * Plausible v3 shows them), entry pages, and exit pages with their exit rate. Kept apart from
 * dashboard.tsx so the queries they send can be tested against the API (test/workers/stats/).
 */
import type { Metric, View } from '../stats';
import type { PanelTab } from './panel-tab';

/** The Stats API refuses exit_rate under a filter on events (Plausible's rule): an event has no exit. */
function exitRateUnavailable(view: View): Metric[] {
  return view.chips.some((chip) => chip.dimension.startsWith('event:')) ? ['exit_rate'] : [];
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
];
