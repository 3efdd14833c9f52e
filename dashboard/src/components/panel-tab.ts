/** What a breakdown panel's tab asks (./panel.tsx), apart from the component so tests can send it. */
import type { Metric, View } from '../stats';

export interface PanelTab {
  id: string;
  label: string;
  dimension: string;
  /** First metric sizes the bars and orders the rows. */
  metrics: Metric[];
  columns: string[];
  /** How a dimension value is shown (e.g. a country code as its name). */
  display?: (value: string) => string;
  /** Rows are not filterable (e.g. a dimension the API cannot filter on). */
  noFilter?: boolean;
  /** Metrics (with their columns) left out under this view, because the API cannot answer them. */
  unavailable?: (view: View) => Metric[];
  /**
   * Every value the dimension has, in their order (a histogram's buckets): rows come in this
   * order instead of the first metric's, and a value without a row shows as zeros.
   */
  values?: string[];
}

interface Row {
  dimensions: string[];
  metrics: (number | null)[];
}

/** The rows a tab shows for an answer: as answered, or every one of its `values` in order. */
export function shownRows<R extends Row>(tab: PanelTab, rows: R[], width: number): (R | Row)[] {
  const { values } = tab;
  if (!values || rows.length === 0) return rows;
  const byValue = new Map(rows.map((r) => [r.dimensions[0] ?? '', r]));
  return values.map((v) => byValue.get(v) ?? { dimensions: [v], metrics: Array<number>(width).fill(0) });
}

/** The metrics and columns a tab asks for under this view. */
export function tabMetrics(tab: PanelTab, view: View): { metrics: Metric[]; columns: string[] } {
  const off = tab.unavailable?.(view) ?? [];
  const kept = tab.metrics.flatMap((metric, i) =>
    off.includes(metric) ? [] : [{ metric, column: tab.columns[i] ?? metric }],
  );
  return { metrics: kept.map((k) => k.metric), columns: kept.map((k) => k.column) };
}
