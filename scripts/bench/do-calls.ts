/**
 * Rate-limiter Durable Object calls per 1,000 events under the load shapes of issue 13 (many
 * visitors on 3 sites; an office behind NAT at its per-IP limit, 64 in flight; one site at its
 * per-site limit), with the overshoot bound of docs/rate-limits.md checked per key.
 *
 * Two methods, both in the table:
 * - workerd: the shapes run inside workerd (the `workers` vitest project, test/workers/limits/
 *   load-shapes.test.ts) through the real `LeasedLimiter`s, configured as the ingest pipeline
 *   configures them, against the real `RateLimiter` Durable Object; every `lease` RPC is counted
 *   at the namespace, i.e. what the object sees. The test prints one `DO-CALL-FIGURES` line per
 *   shape; this module runs it and reads those lines, so the bench and the test measure the same.
 * - from outside: shape (b), the one issue 13 measured, as HTTP events to `/api/event` of a private
 *   `wrangler dev` stack (scripts/lib/stack.ts) with `RATE_LIMIT_PER_IP=30/60`, 64 in flight, each
 *   address in `CF-Connecting-IP`; calls are the Worker's `edgebear_limiter_do_calls_total` over
 *   the run (counted once per call), admitted = answers 202.
 *
 *   npx tsx scripts/bench/do-calls.ts
 */
import { spawnSync } from 'node:child_process';
import type { ShapeFigures } from '../../test/workers/limits/load-shapes';
import { overshootBound } from '../../workers/limits/lease';
import type { RateRule } from '../../workers/limits/rule';
import { type Stack, startStack } from '../lib/stack';
import { StackOwner, stackAdmin } from '../lib/stack-owner';

export type { ShapeFigures };

/** The budget of DESIGN.md and issue 13: Durable Object calls per 1,000 events. */
export const DO_CALL_BUDGET_PER_1000 = 50;

export interface DoCallFigures {
  method: string;
  shapes: ShapeFigures[];
}

const TEST_FILE = 'test/workers/limits/load-shapes.test.ts';
const MARK = 'DO-CALL-FIGURES ';
/** Ports of the bench's own stack, moved by EDGEBEAR_TEST_PORT_OFFSET so parallel runs do not collide. */
const OFFSET = Number(process.env.EDGEBEAR_TEST_PORT_OFFSET ?? 0);
const CLICKHOUSE_PORT = 18424 + OFFSET;
const WORKER_PORT = 19087 + OFFSET;
const OFFICE_RULE: RateRule = { limit: 30, periodSeconds: 60 };
const SITE = 'do-calls.test';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

async function metric(stack: Stack, name: string): Promise<number> {
  const res = await fetch(`${stack.workerUrl}/metrics`, {
    headers: { authorization: 'Bearer stack-metrics-token' },
  });
  let total = 0;
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith(name)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Sends `perIp` events from each of 10 addresses, shuffled, 64 in flight, and counts. */
async function officeThroughStack(
  stack: Stack,
  name: string,
  subnet: string,
  perIp: number,
): Promise<ShapeFigures> {
  const ips: string[] = [];
  for (let i = 1; i <= 10; i++) for (let n = 0; n < perIp; n++) ips.push(`${subnet}.${i}`);
  // A fixed interleaving (stride 7 is coprime with the count), so every run sends the same order.
  const order = ips.map((_, i) => ips[(i * 7) % ips.length] ?? '');
  const admitted = new Map<string, number>();
  const calls0 = await metric(stack, 'edgebear_limiter_do_calls_total');
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (let ip = order[next++]; ip !== undefined; ip = order[next++]) {
        const res = await fetch(`${stack.workerUrl}/api/event`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'cf-connecting-ip': ip, 'user-agent': USER_AGENT },
          body: JSON.stringify({ n: 'pageview', u: `https://${SITE}/`, d: SITE, r: '', w: 1280 }),
        });
        await res.arrayBuffer();
        if (res.status === 202) admitted.set(ip, (admitted.get(ip) ?? 0) + 1);
      }
    }),
  );
  const elapsedMs = Date.now() - started;
  const doCalls = (await metric(stack, 'edgebear_limiter_do_calls_total')) - calls0;
  const bound = overshootBound(OFFICE_RULE, 1, elapsedMs);
  const most = Math.max(0, ...admitted.values());
  return {
    name,
    via: 'wrangler dev',
    events: order.length,
    doCalls,
    // The Worker counts both limits in one metric.
    ipCalls: doCalls,
    siteCalls: 0,
    callsPer1000: (doCalls / order.length) * 1000,
    tightestKey: 'the address admitted most',
    tightestAdmitted: most,
    tightestLimit: OFFICE_RULE.limit,
    tightestBound: bound,
    boundHolds: most <= bound,
    noFalseRefusals: perIp > OFFICE_RULE.limit || [...admitted.values()].every((n) => n === perIp),
  };
}

/** Shape (b) from outside, through a private `wrangler dev` stack. */
async function benchThroughStack(): Promise<ShapeFigures[]> {
  const stack = await startStack({
    clickhousePort: CLICKHOUSE_PORT,
    workerPort: WORKER_PORT,
    vars: { RATE_LIMIT_PER_IP: `${OFFICE_RULE.limit}/${OFFICE_RULE.periodSeconds}` },
    quiet: true,
  });
  try {
    // The site belongs to a billing profile, as in production, so events pass the capacity check.
    const owner = await StackOwner.signUp(stack.workerUrl, 'do-calls-owner@example.com');
    await stackAdmin(stack.workerUrl, 'PATCH', '/admin/api/billing-profiles/1', {
      custom_monthly_events: 1e10,
      custom_sites: 1,
    });
    await owner.expect('POST', '/api/sites', { domain: SITE }, 201);
    return [
      await officeThroughStack(stack, '(b) 10 IPs (NAT) at their limit, per IP 30/60', '203.0.113', 30),
      await officeThroughStack(
        stack,
        '(b) 10 IPs (NAT) 10 % over their limit, per IP 30/60',
        '198.51.100',
        33,
      ),
    ];
  } finally {
    await stack.close();
  }
}

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
  if (process.env.BENCH_DO_CALLS_STACK !== '0') shapes.push(...(await benchThroughStack()));
  return {
    method:
      "*workerd*: the vitest `workers` project runs the real `LeasedLimiter`s (per IP, then per site, defaults, fail-open, as the ingest pipeline) against the real `RateLimiter` Durable Object, each shape as a burst with 64 events in flight, every client on one isolate; DO calls = `lease` RPCs counted at the namespace. *wrangler dev*: HTTP events to `/api/event` of a private `wrangler dev` stack with `RATE_LIMIT_PER_IP=30/60`, 64 in flight, the address in `CF-Connecting-IP`; DO calls = the Worker's `edgebear_limiter_do_calls_total` over the run, admitted = 202 answers",
    shapes,
  };
}

/** Markdown table rows (header included) for docs/benchmarks.md. */
export function doCallLines(f: DoCallFigures): string[] {
  const lines = [
    `Method: ${f.method}. Bound = limit + r·W + I·A·(1 + W/period) + min(r·ttl, I·Lmax) per key (docs/rate-limits.md), W the run's duration; the key closest to its bound is shown.`,
    '',
    '| shape | via | events | DO calls (per IP + per site) | per 1,000 | closest key: admitted / limit / bound | budget | |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const s of f.shapes) {
    const met = s.callsPer1000 <= DO_CALL_BUDGET_PER_1000 && s.boundHolds && s.noFalseRefusals;
    lines.push(
      `| ${s.name} | ${s.via} | ${s.events.toLocaleString('en-US')} | ${s.via === 'workerd' ? `${s.doCalls} (${s.ipCalls} + ${s.siteCalls})` : `${s.doCalls} (both)`} | ${s.callsPer1000.toFixed(1)} | ${s.tightestAdmitted.toLocaleString('en-US')} / ${s.tightestLimit.toLocaleString('en-US')} / ${s.tightestBound.toLocaleString('en-US')}${s.boundHolds ? '' : ' (**over the bound**)'} | ≤ ${DO_CALL_BUDGET_PER_1000} | ${met ? 'met' : '**not met**'} |`,
    );
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchDoCalls();
  for (const line of doCallLines(figures)) console.log(line);
}
