/**
 * Rate-limiter Durable Object calls per 1,000 events under the load shapes of issue 13 (many
 * visitors on 3 sites; an office behind NAT at its per-IP limit, 64 in flight; one site at its
 * per-site limit), with the overshoot bound of docs/rate-limits.md checked per key.
 *
 * Method: the shapes run inside workerd (the `workers` vitest project, test/workers/limits/
 * load-shapes.test.ts) through the real `LeasedLimiter`s, configured as the ingest pipeline
 * configures them, against the real `RateLimiter` Durable Object; every `lease` RPC is counted at
 * the namespace, i.e. what the object sees. The test prints one `DO-CALL-FIGURES` line per shape;
 * this module runs it and reads those lines, so the bench and the test measure the same thing.
 *
 *   npx tsx scripts/bench/do-calls.ts
 */
import { spawnSync } from 'node:child_process';
import type { ShapeFigures } from '../../test/workers/limits/load-shapes';

export type { ShapeFigures };

/** The budget of DESIGN.md and issue 13: Durable Object calls per 1,000 events. */
export const DO_CALL_BUDGET_PER_1000 = 50;

export interface DoCallFigures {
  method: string;
  shapes: ShapeFigures[];
}

const TEST_FILE = 'test/workers/limits/load-shapes.test.ts';
const MARK = 'DO-CALL-FIGURES ';

export async function benchDoCalls(): Promise<DoCallFigures> {
  const run = spawnSync('npx', ['vitest', 'run', '--project', 'workers', TEST_FILE], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const shapes: ShapeFigures[] = [];
  for (const line of `${run.stdout}\n${run.stderr}`.split('\n')) {
    const at = line.indexOf(MARK);
    if (at >= 0) shapes.push(JSON.parse(line.slice(at + MARK.length)) as ShapeFigures);
  }
  if (shapes.length === 0) {
    throw new Error(`${TEST_FILE} printed no figures (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  // A failed assertion still prints its figures; the table says "not met" for it.
  return {
    method:
      'workerd (vitest `workers` project): the real `LeasedLimiter`s (per IP, then per site, defaults, fail-open, as the ingest pipeline) against the real `RateLimiter` Durable Object, each shape sent as a burst with 64 events in flight, every client on one isolate; DO calls = `lease` RPCs counted at the namespace',
    shapes,
  };
}

/** Markdown table rows (header included) for docs/benchmarks.md. */
export function doCallLines(f: DoCallFigures): string[] {
  const lines = [
    `Method: ${f.method}. Bound = limit + r·W + I·A·(1 + W/period) + min(r·ttl, I·Lmax) per key (docs/rate-limits.md), W the run's duration; the key closest to its bound is shown.`,
    '',
    '| shape | events | DO calls (per IP + per site) | per 1,000 | closest key: admitted / limit / bound | budget | |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const s of f.shapes) {
    const met = s.callsPer1000 <= DO_CALL_BUDGET_PER_1000 && s.boundHolds && s.noFalseRefusals;
    lines.push(
      `| ${s.name} | ${s.events.toLocaleString('en-US')} | ${s.doCalls} (${s.ipCalls} + ${s.siteCalls}) | ${s.callsPer1000.toFixed(1)} | ${s.tightestAdmitted.toLocaleString('en-US')} / ${s.tightestLimit.toLocaleString('en-US')} / ${s.tightestBound.toLocaleString('en-US')}${s.boundHolds ? '' : ' (**over the bound**)'} | ≤ ${DO_CALL_BUDGET_PER_1000} | ${met ? 'met' : '**not met**'} |`,
    );
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchDoCalls();
  for (const line of doCallLines(figures)) console.log(line);
}
