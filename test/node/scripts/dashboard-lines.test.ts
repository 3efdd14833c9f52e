/**
 * The Dashboard section of docs/benchmarks.md as scripts/bench/dashboard.ts writes it: the load
 * through the Worker is the figure held against the 150 ms budget, with the in-process one of the
 * same questions beside it; a failed Worker measurement is said so and the in-process figure
 * is judged as before.
 */
import { describe, expect, it } from 'vitest';
import { type DashboardFigures, dashboardLines, type LoadTimings } from '../../../scripts/bench/dashboard';
import type { WorkerLoadFigures } from '../../../scripts/bench/dashboard-worker';
import { timings } from '../../../scripts/bench/timings';

const load = (p50: number): LoadTimings => ({
  p50,
  p95: p50 + 10,
  min: p50 - 10,
  max: p50 + 20,
  iterations: 20,
  panels: [{ name: 'top pages', alone: 12 }],
  sequential: 12,
});

const table = { table: 'events', rows: 1000, parts: 1, compressedBytes: 18_000, uncompressedBytes: 100_000 };

function figures(worker: DashboardFigures['worker']): DashboardFigures {
  return {
    events: 1000,
    siteEvents: 300,
    range: ['2026-11-04', '2026-12-03'],
    queriesPerLoad: 20,
    rollups: load(120),
    cold: load(140),
    unbatched: load(250),
    raw: load(900),
    worker,
    statementsPerLoad: 4,
    events_table: table,
    bytesPerEvent: 18,
    uncompressedBytesPerEvent: 100,
    rollupTables: [{ ...table, table: 'pages_hourly' }],
    rollupBytesPerEvent: 18,
    columns: [{ name: 'pathname', bytesPerEvent: 2 }],
    seedSeconds: null,
    seal: null,
    loadAverage: [0.5, 0.7],
    agreement: {
      questions: 16,
      rows: 1344,
      values: 7241,
      estimatedDiffering: 3,
      largestEstimateError: 0.004,
      disagreements: [],
    },
  };
}

const worker: WorkerLoadFigures = {
  requests: [
    { method: 'GET', path: '/api/auth/me', wave: 0 },
    { method: 'GET', path: '/api/sites/1000001', wave: 1 },
    { method: 'POST', path: '/api/stats/performance', wave: 2 },
    { method: 'POST', path: '/api/v2/query/batch', wave: 2 },
  ],
  batchQueries: 10,
  iterations: 20,
  whole: timings([200, 210, 220]),
  data: timings([160, 170, 180]),
  batch: timings([150, 160, 170]),
  inProcess: timings([100, 110, 120]),
  browser: null,
};

describe('Dashboard section of docs/benchmarks.md', () => {
  it('holds the load through the Worker against the budget, the same questions in-process beside it', () => {
    const text = dashboardLines(figures(worker)).join('\n');
    expect(text).toMatch(
      /\| the panels' data: .* \| 170 ms \| 180 ms \| 160 ms \/ 180 ms \| ≤ 150 ms \| \*\*not met\*\* \|/,
    );
    expect(text).toMatch(/\| the same questions in-process, .* \| 110 ms \|/);
    expect(text).toContain(
      '`GET /api/auth/me`, then `GET /api/sites/1000001`, then `POST /api/stats/performance` + `POST /api/v2/query/batch`',
    );
    expect(text).toContain('the batch carries 10 Stats API questions');
    // events 18 B + rollups 18 B per event, against the 40 B budget.
    expect(text).toMatch(
      /\| `events`, every rollup and the sealed days together, .* \| 36\.0 B \| ≤ 40 bytes \| met \|/,
    );
    // The in-process table no longer carries the budget mark itself.
    expect(text).toMatch(
      /\| full load p50 \| 120 ms \| 140 ms \| 250 ms \| 900 ms \| \(through the Worker, above\) \|/,
    );
  });

  it('says when the Worker measurement failed and judges the in-process load instead', () => {
    const text = dashboardLines(figures({ error: 'wrangler dev did not start' })).join('\n');
    expect(text).toContain('**all agree**');
    expect(text).toContain(
      '**Through the Worker**: not measured in this run, it failed: wrangler dev did not start',
    );
    expect(text).toMatch(/\| full load p50 \| 120 ms \| 140 ms \| 250 ms \| 900 ms \| ≤ 150 ms \| met \|/);
  });
});
