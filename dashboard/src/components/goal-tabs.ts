/** The tabs of the dashboard's goals panel, apart from the component so tests can send them. */
import type { PanelTab } from './panel-tab';

export function goalTabs(prop: string, hasGoals: boolean | null): PanelTab[] {
  return [
    {
      id: 'goals',
      // event:goal is the configured goals once a site has any, its custom events until then.
      label: hasGoals ? 'Goals' : 'Custom events',
      dimension: 'event:goal',
      // Revenue columns appear for revenue goals only: the panel drops money columns that are
      // null on every row (sites and goals without revenue).
      metrics: ['visitors', 'events', 'conversion_rate', 'total_revenue', 'average_revenue'],
      columns: ['Visitors', 'Events', 'Conversion rate', 'Revenue', 'Average revenue'],
    },
    {
      id: 'props',
      label: 'Properties',
      dimension: `event:props:${prop}`,
      metrics: ['visitors', 'events'],
      columns: ['Visitors', 'Events'],
    },
  ];
}
