/**
 * Revenue columns of a breakdown (the goals panel's): shown only where some row has money. The
 * Stats API answers `total_revenue` / `average_revenue` as null for goals without revenue and for
 * sites without revenue goals, so such columns would only ever read "—".
 */
import { type Metric, MONEY_METRICS } from '../stats';

interface Row {
  metrics: (number | null)[];
  currencies?: (string | null)[];
}

/** The metrics, columns and rows without money columns that are null on every row. */
export function withoutEmptyMoney<R extends Row>(
  metrics: Metric[],
  columns: string[],
  rows: R[],
): { metrics: Metric[]; columns: string[]; rows: R[] } {
  const kept = metrics.map((m, i) => !MONEY_METRICS.has(m) || rows.some((r) => r.metrics[i] != null));
  if (kept.every(Boolean)) return { metrics, columns, rows };
  return {
    metrics: metrics.filter((_, i) => kept[i]),
    columns: columns.filter((_, i) => kept[i]),
    rows: rows.map((r) => ({
      ...r,
      metrics: r.metrics.filter((_, i) => kept[i]),
      currencies: r.currencies?.filter((_, i) => kept[i]),
    })),
  };
}
