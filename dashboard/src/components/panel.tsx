/**
 * A breakdown panel: tabs of dimensions, the top rows with a bar each, a click on a row adds a
 * filter, and the rows on screen can be saved as CSV.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { downloadText, useAsync } from '../hooks';
import { csvFileName, toCsv } from '../lib/csv';
import { rangeSlug } from '../lib/date-range';
import type { FilterChip } from '../lib/filters';
import { formatDuration, formatExact, formatNumber, formatPercent } from '../lib/format';
import { breakdownQuery, type Metric, MONEY_METRICS, query, type StatsAccess, type View } from '../stats';
import { type PanelTab, shownRows, tabMetrics } from './panel-tab';
import { withoutEmptyMoney } from './revenue-columns';
import { Empty, ErrorMessage, Loading, Tabs } from './ui';

export type { PanelTab } from './panel-tab';

export interface PanelProps {
  title: string;
  tabs: PanelTab[];
  access: StatsAccess;
  view: View;
  onFilter(chip: FilterChip): void;
  /** Controls shown above the rows for the active tab (e.g. the property name). */
  controls?: (tab: PanelTab) => ComponentChildren;
  /** Message for a tab that needs input before it can ask the API. */
  needsInput?: (tab: PanelTab) => string | null;
  /** Something to do with one row, shown beside it (e.g. the goals panel's "make goal"). */
  rowAction?: (tabId: string, value: string) => ComponentChildren;
  id: string;
}

const regionNames =
  typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'region' }) : null;

/** "DE" → "Germany"; unknown codes stay as they are. */
export function countryName(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return code || '(unknown)';
  try {
    return regionNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Money in its currency, e.g. "€1,234.50"; "—" without a value or currency. */
function formatMoney(value: number | null, currency: string | null | undefined): string {
  if (value === null || !currency || !Number.isFinite(value)) return '—';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value);
  } catch {
    return `${formatNumber(value)} ${currency}`;
  }
}

function formatMetric(metric: Metric, value: number | null, currency?: string | null): string {
  if (MONEY_METRICS.has(metric)) return formatMoney(value, currency);
  switch (metric) {
    case 'percentage':
    case 'conversion_rate':
    case 'bounce_rate':
    case 'exit_rate':
    case 'scroll_depth':
      return formatPercent(value);
    case 'time_on_page':
      return formatDuration(value);
    default:
      return formatNumber(value);
  }
}

export function Panel({
  title,
  tabs,
  access,
  view,
  onFilter,
  controls,
  needsInput,
  rowAction,
  id,
}: PanelProps) {
  const [active, setActive] = useState(0);
  const tab = tabs[active] ?? (tabs[0] as PanelTab);
  const waiting = needsInput?.(tab) ?? null;
  const { metrics: asked, columns: askedColumns } = tabMetrics(tab, view);
  const key = JSON.stringify([access.domain, view, tab.dimension, asked, waiting]);
  const state = useAsync(
    () =>
      waiting
        ? Promise.resolve({ results: [], meta: {} })
        : query(access, breakdownQuery(view, tab.dimension, asked)),
    key,
  );
  const { metrics, columns, rows } = withoutEmptyMoney(
    asked,
    askedColumns,
    shownRows(tab, state.data?.results ?? [], asked.length),
  );
  const max = Math.max(1, ...rows.map((r) => r.metrics[0] ?? 0));
  const show = tab.display ?? ((v: string) => v || '(none)');

  const exportCsv = () => {
    const csv = toCsv(
      [tab.label, ...columns],
      rows.map((r) => [r.dimensions[0] ?? '', ...r.metrics]),
    );
    downloadText(csvFileName(access.domain, tab.id, rangeSlug(view.range)), csv);
  };

  return (
    <section class="panel card" aria-labelledby={`${id}-title`} data-panel={id}>
      <header class="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <Tabs label={`${title} breakdowns`} tabs={tabs} selected={active} onSelect={setActive} />
      </header>
      {controls?.(tab)}
      <div class="panel-columns" aria-hidden="true">
        <span>{tab.label}</span>
        <span>{columns.join(' · ')}</span>
      </div>
      <div role="tabpanel" aria-busy={state.loading} data-tab={tab.id}>
        {waiting ? (
          <Empty>{waiting}</Empty>
        ) : state.error ? (
          <ErrorMessage error={state.error} />
        ) : state.loading && rows.length === 0 ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Empty>No data for this period.</Empty>
        ) : (
          <ul class={state.loading ? 'rows stale' : 'rows'}>
            {rows.map((r) => {
              const value = r.dimensions[0] ?? '';
              const first = r.metrics[0] ?? 0;
              const label = show(value);
              const bar = (
                <span class="bar" style={{ width: `${(first / max) * 100}%` }} aria-hidden="true" />
              );
              const numbers = (
                <span class="values">
                  {metrics.map((m, i) => (
                    <span key={m} title={`${columns[i]}: ${formatExact(r.metrics[i])}`}>
                      {formatMetric(m, r.metrics[i] ?? null, 'currencies' in r ? r.currencies?.[i] : null)}
                    </span>
                  ))}
                </span>
              );
              const action = rowAction?.(tab.id, value) ?? null;
              return (
                <li key={value} class={action ? 'with-action' : undefined}>
                  {tab.noFilter ? (
                    <div class="row">
                      {bar}
                      <span class="label">{label}</span>
                      {numbers}
                    </div>
                  ) : (
                    <button
                      type="button"
                      class="row"
                      title={`Filter by ${tab.label.toLowerCase()}: ${label}`}
                      onClick={() => onFilter({ dimension: tab.dimension, value })}
                    >
                      {bar}
                      <span class="label">{label}</span>
                      {numbers}
                    </button>
                  )}
                  {action}
                </li>
              );
            })}
          </ul>
        )}
      </div>
      <footer class="panel-foot">
        <button
          type="button"
          class="link-button"
          onClick={exportCsv}
          disabled={state.loading || rows.length === 0}
        >
          Export CSV
        </button>
      </footer>
    </section>
  );
}
