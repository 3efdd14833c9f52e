/** KPI row and the top chart: the metric picked in the row is the one charted. */
import { useMemo } from 'preact/hooks';
import { useAsync } from '../hooks';
import { timeDimension } from '../lib/date-range';
import { changePercent, formatChange, formatDuration, formatNumber, formatPercent } from '../lib/format';
import { timeSeries } from '../lib/series';
import { chartQuery, KPIS, type KpiMetric, kpiQuery, query, type StatsAccess, type View } from '../stats';
import { Chart } from './chart';
import { ErrorMessage, Loading } from './ui';

export function formatKpi(metric: KpiMetric, value: number | null | undefined): string {
  if (metric === 'bounce_rate') return formatPercent(value);
  if (metric === 'visit_duration') return formatDuration(value);
  if (metric === 'views_per_visit')
    return value === null || value === undefined ? '—' : String(Math.round(value * 100) / 100);
  return formatNumber(value);
}

/** For bounce rate a fall is good news. */
const LOWER_IS_BETTER: ReadonlySet<KpiMetric> = new Set(['bounce_rate']);

export function KpiRow({
  access,
  view,
  selected,
  onSelect,
}: {
  access: StatsAccess;
  view: View;
  selected: KpiMetric;
  onSelect(metric: KpiMetric): void;
}) {
  const state = useAsync(() => query(access, kpiQuery(view)), JSON.stringify([access.domain, view]));
  const row = state.data?.results[0];
  if (state.error) return <ErrorMessage error={state.error} />;
  return (
    <fieldset class="kpis" aria-busy={state.loading}>
      <legend class="visually-hidden">Key figures (pick one to chart it)</legend>
      {KPIS.map((kpi, i) => {
        const value = row?.metrics[i] ?? null;
        const previous = row?.comparison?.metrics[i] ?? null;
        // Nothing then and nothing now is no change worth a number.
        const change =
          !value && !previous ? null : (row?.comparison?.change?.[i] ?? changePercent(value, previous));
        const good =
          change === null || change === 0
            ? ''
            : change > 0 !== LOWER_IS_BETTER.has(kpi.metric)
              ? 'up'
              : 'down';
        return (
          <button
            type="button"
            class={kpi.metric === selected ? 'kpi active' : 'kpi'}
            aria-pressed={kpi.metric === selected}
            onClick={() => onSelect(kpi.metric)}
            key={kpi.metric}
            data-kpi={kpi.metric}
          >
            <span class="kpi-label">{kpi.label}</span>
            <span class="kpi-value">{state.loading && !row ? '…' : formatKpi(kpi.metric, value)}</span>
            <span class={`kpi-change ${good}`} title="Change from the previous period">
              {formatChange(change === null ? null : Math.round(change))}
            </span>
          </button>
        );
      })}
    </fieldset>
  );
}

export function TopChart({ access, view, metric }: { access: StatsAccess; view: View; metric: KpiMetric }) {
  const state = useAsync(
    () => query(access, chartQuery(view, metric)),
    JSON.stringify([access.domain, view, metric]),
  );
  const label = KPIS.find((k) => k.metric === metric)?.label ?? metric;
  const series = useMemo(() => {
    if (!state.data) return null;
    const s = timeSeries(state.data.meta.time_labels, state.data.results);
    return {
      x: s.x,
      lines: [
        { label, values: s.current, color: '--accent', fill: true },
        ...(s.previous
          ? [{ label: 'Previous period', values: s.previous, color: '--muted', dashed: true }]
          : []),
      ],
    };
  }, [state.data, label]);
  const format = useMemo(() => (v: number) => formatKpi(metric, v), [metric]);

  return (
    <section class="card chart-card" aria-label={`${label} over time`}>
      {state.error ? (
        <ErrorMessage error={state.error} />
      ) : !series ? (
        <Loading />
      ) : (
        <Chart
          x={series.x}
          series={series.lines}
          format={format}
          hourly={timeDimension(view.range) === 'time:hour'}
          label={`${label} over time, compared with the previous period`}
        />
      )}
    </section>
  );
}
