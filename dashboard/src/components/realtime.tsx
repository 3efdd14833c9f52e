/** Visitors now (the last 5 minutes) and a per-minute chart of the last 30 minutes, refreshed every 30 s. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useAsync } from '../hooks';
import { formatNumber } from '../lib/format';
import { timeSeries } from '../lib/series';
import { query, type StatsAccess } from '../stats';
import { Chart } from './chart';
import { ErrorMessage, Loading } from './ui';

function useTicker(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1);
    }, ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}

export function VisitorsNow({ access }: { access: StatsAccess }) {
  const tick = useTicker(30_000);
  const state = useAsync(
    () => query(access, { metrics: ['visitors'], date_range: 'realtime' }),
    `${access.domain}:${tick}`,
  );
  const now = state.data?.results[0]?.metrics[0] ?? null;
  return (
    <span class="now" role="status" aria-live="polite" data-testid="visitors-now">
      <span class="pulse" aria-hidden="true" />
      {now === null ? '…' : `${formatNumber(now)} current visitor${now === 1 ? '' : 's'}`}
    </span>
  );
}

export function RealtimePanel({ access }: { access: StatsAccess }) {
  const tick = useTicker(30_000);
  const state = useAsync(
    () =>
      query(access, {
        metrics: ['visitors', 'pageviews'],
        date_range: '30m',
        dimensions: ['time:minute'],
        include: { time_labels: true },
      }),
    `${access.domain}:${tick}`,
  );
  const series = useMemo(() => {
    if (!state.data) return null;
    const visitors = timeSeries(state.data.meta.time_labels, state.data.results, 0);
    const pageviews = timeSeries(state.data.meta.time_labels, state.data.results, 1);
    return {
      x: visitors.x,
      lines: [
        { label: 'Visitors', values: visitors.current, color: '--accent', fill: true },
        { label: 'Pageviews', values: pageviews.current, color: '--accent-2' },
      ],
      total: visitors.current.reduce((a, b) => a + b, 0),
    };
  }, [state.data]);
  return (
    <section class="card panel realtime" aria-labelledby="realtime-title" data-panel="realtime">
      <header class="panel-head">
        <h2 id="realtime-title">Realtime</h2>
        <VisitorsNow access={access} />
      </header>
      <p class="hint">Last 30 minutes, per minute.</p>
      {state.error ? (
        <ErrorMessage error={state.error} />
      ) : !series ? (
        <Loading />
      ) : (
        <Chart
          x={series.x}
          series={series.lines}
          height={180}
          hourly
          label="Visitors and pageviews per minute, last 30 minutes"
        />
      )}
    </section>
  );
}
