/**
 * Performance: web vitals at p75 with their good / needs-improvement / poor split, and the
 * browser timings (DNS, connect + TLS, server, DOM interactive, load) stacked over time and per page.
 */
import { useMemo, useState } from 'preact/hooks';
import { downloadText, useAsync } from '../hooks';
import { csvFileName, toCsv } from '../lib/csv';
import { rangeSlug } from '../lib/date-range';
import { dimensionLabel, type FilterChip, toV2Filters } from '../lib/filters';
import { formatMs, formatNumber, formatPercent } from '../lib/format';
import {
  bandShares,
  type PerformanceRow,
  PHASES,
  performanceFilters,
  rate,
  timingPhases,
  VITALS,
} from '../lib/performance';
import { labelToSeconds } from '../lib/series';
import { performance, performanceTimeDimension, type StatsAccess, type View } from '../stats';
import { Chart } from './chart';
import { Empty, ErrorMessage, Loading, Tabs } from './ui';

const PHASE_COLORS = ['--phase-1', '--phase-2', '--phase-3', '--phase-4', '--phase-5'];
const TIMING_TABS = [
  { id: 'time', label: 'Over time' },
  { id: 'page', label: 'By page' },
];
const RATING_TEXT = { good: 'Good', needs_improvement: 'Needs improvement', poor: 'Poor' } as const;

function formatVital(key: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return key === 'cls' ? String(Math.round(value * 1000) / 1000) : formatMs(value);
}

function Vitals({ row }: { row: PerformanceRow | undefined }) {
  if (!row || row.samples === 0) return <Empty>No page loads measured in this period.</Empty>;
  return (
    <ul class="vitals">
      {VITALS.map((vital) => {
        const p75 = row.metrics[vital.key]?.p75 ?? null;
        const rating = p75 === null ? null : rate(vital.key, p75);
        const shares = bandShares(row.bands[vital.key]);
        return (
          <li class="vital" key={vital.key} data-vital={vital.key}>
            <span class="vital-name" title={vital.label}>
              {vital.key.toUpperCase()}
            </span>
            <span class={`vital-value ${rating ?? ''}`}>{formatVital(vital.key, p75)}</span>
            <span class="vital-rating">{rating ? RATING_TEXT[rating] : 'No data'} · p75</span>
            {shares ? (
              <span
                class="bands"
                role="img"
                aria-label={`${vital.label}: ${formatPercent(shares.good)} good, ${formatPercent(shares.needs_improvement)} needs improvement, ${formatPercent(shares.poor)} poor`}
              >
                <span class="band good" style={{ width: `${shares.good}%` }} />
                <span class="band needs_improvement" style={{ width: `${shares.needs_improvement}%` }} />
                <span class="band poor" style={{ width: `${shares.poor}%` }} />
              </span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

function PhaseLegend() {
  return (
    <ul class="legend" aria-label="Timing phases">
      {PHASES.map((p, i) => (
        <li key={p.key}>
          <span class="swatch" style={{ background: `var(${PHASE_COLORS[i]})` }} aria-hidden="true" />
          {p.label}
        </li>
      ))}
    </ul>
  );
}

function PerPage({ rows, onFilter }: { rows: PerformanceRow[]; onFilter(chip: FilterChip): void }) {
  if (rows.length === 0) return <Empty>No page loads measured in this period.</Empty>;
  const totals = rows.map((r) => timingPhases(r.metrics));
  const max = Math.max(1, ...totals.map((t) => PHASES.reduce((sum, p) => sum + t[p.key], 0)));
  return (
    <ul class="rows timings">
      {rows.map((r, i) => {
        const phases = totals[i] ?? timingPhases({});
        const total = PHASES.reduce((sum, p) => sum + phases[p.key], 0);
        const page = r.dimension ?? '';
        return (
          <li key={page}>
            <button
              type="button"
              class="row stacked"
              title={`Filter by page: ${page}`}
              onClick={() => onFilter({ dimension: 'event:page', value: page })}
            >
              <span class="label">{page}</span>
              <span class="values">
                <span>{formatMs(total)}</span>
                <span>{formatNumber(r.samples)} loads</span>
              </span>
              <span class="stack" aria-hidden="true">
                {PHASES.map((p, j) => (
                  <span
                    key={p.key}
                    style={{
                      width: `${(phases[p.key] / max) * 100}%`,
                      background: `var(${PHASE_COLORS[j]})`,
                    }}
                    title={`${p.label}: ${formatMs(phases[p.key])}`}
                  />
                ))}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function PerformancePanel({
  access,
  view,
  onFilter,
}: {
  access: StatsAccess;
  view: View;
  onFilter(chip: FilterChip): void;
}) {
  const [tab, setTab] = useState<'time' | 'page'>('time');
  const key = JSON.stringify([access.domain, view]);
  const time = performanceTimeDimension(view);
  // One request answers the chart over time and, as its total, the vitals of the whole range.
  const overTime = useAsync(() => performance(access, view, time, undefined, true), `${key}:${time}`);
  const overall = overTime.data?.total;
  const perPage = useAsync(() => performance(access, view, 'event:page', 10), `${key}:page`);

  const chart = useMemo(() => {
    const rows = overTime.data?.results ?? [];
    if (rows.length === 0) return null;
    const sorted = [...rows].sort((a, b) => String(a.dimension).localeCompare(String(b.dimension)));
    const phases = sorted.map((r) => timingPhases(r.metrics));
    return {
      x: sorted.map((r) => labelToSeconds(String(r.dimension ?? ''))),
      series: PHASES.map((p, i) => ({
        label: p.label,
        values: phases.map((ph) => ph[p.key]),
        color: PHASE_COLORS[i] ?? '--accent',
      })),
    };
  }, [overTime.data]);

  const exportCsv = async () => {
    // The panel shows the busiest 10 pages; the export asks for up to 100.
    const rows = (await performance(access, view, 'event:page', 100)).results;
    const header = [
      'Page',
      'Samples',
      ...VITALS.map((v) => `${v.key.toUpperCase()} p75`),
      ...PHASES.map((p) => `${p.label} (ms)`),
    ];
    const csv = toCsv(
      header,
      rows.map((r) => {
        const phases = timingPhases(r.metrics);
        return [
          r.dimension ?? '',
          r.samples,
          ...VITALS.map((v) => r.metrics[v.key]?.p75 ?? null),
          ...PHASES.map((p) => phases[p.key]),
        ];
      }),
    );
    downloadText(csvFileName(access.domain, 'performance', rangeSlug(view.range)), csv);
  };

  const error = overTime.error ?? perPage.error;
  // Filters a page load cannot answer (goals, sources, segments…) are left out, and said so.
  const skipped = performanceFilters(toV2Filters(view.chips)).skipped;
  return (
    <section class="card panel performance wide" aria-labelledby="performance-title" data-panel="performance">
      <header class="panel-head">
        <h2 id="performance-title">Performance</h2>
        <span class="hint">{overall ? `${formatNumber(overall.samples)} page loads` : ''}</span>
      </header>
      {error ? <ErrorMessage error={error} /> : null}
      {skipped.length > 0 ? (
        <p class="hint" data-testid="performance-unfiltered">
          Not filtered by {skipped.map(dimensionLabel).join(', ')}: timings filter by page, hostname, country,
          device, browser and OS only.
        </p>
      ) : null}
      <h3>Web vitals (75th percentile)</h3>
      {overTime.loading && !overTime.data ? <Loading /> : <Vitals row={overall} />}
      <div class="panel-head">
        <h3>Browser timings (median)</h3>
        <Tabs
          label="Browser timings"
          tabs={TIMING_TABS}
          selected={tab === 'time' ? 0 : 1}
          onSelect={(i) => setTab(i === 0 ? 'time' : 'page')}
        />
      </div>
      <PhaseLegend />
      <div role="tabpanel">
        {tab === 'time' ? (
          overTime.loading && !overTime.data ? (
            <Loading />
          ) : chart ? (
            <Chart
              x={chart.x}
              series={chart.series}
              stacked
              height={220}
              format={formatMs}
              hourly={time === 'time:hour'}
              label="Median browser timings per phase over time"
            />
          ) : (
            <Empty>No page loads measured in this period.</Empty>
          )
        ) : perPage.loading && !perPage.data ? (
          <Loading />
        ) : (
          <PerPage rows={(perPage.data?.results ?? []).slice(0, 10)} onFilter={onFilter} />
        )}
      </div>
      <footer class="panel-foot">
        <button
          type="button"
          class="link-button"
          onClick={() => void exportCsv().catch(() => {})}
          disabled={perPage.loading || (perPage.data?.results.length ?? 0) === 0}
        >
          Export CSV
        </button>
      </footer>
    </section>
  );
}
