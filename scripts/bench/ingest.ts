/**
 * The ingest benchmark, measured the honest way (issue 13):
 *
 * - The floor is a separate minimal Worker (tools/bench/bare-worker.ts: a `fetch` that answers
 *   202) run by the same `wrangler dev` on the same machine, next to Edgebear's own stack. The
 *   in-Worker bare route (`/api/_bench/bare`, development only) is measured too, as a second floor
 *   that pays for Hono and the app's middlewares.
 * - The three take turns (bare Worker, in-Worker route, /api/event), several times each, under the
 *   same `wrk` load: 256 connections, realistic events (5,000 visitor IPs, several browsers, three
 *   sites, pageviews and custom events with non-ASCII props).
 * - An /api/event turn is measured until its drain ends: the queue consumer has inserted every
 *   accepted event into ClickHouse (rows counted), so consumer and Durable Object work count.
 * - CPU is utime + stime of the Worker's workerd process from /proc (scripts/lib/workerd-processes.ts
 *   says how it is found), and of all the workerd processes of that wrangler (the proxy too).
 * - A last, separate /api/event turn runs under workerd's CPU profiler (the inspector), and the
 *   functions with the most self time are reported.
 *
 * Quicker looks: scripts/bench/profile-ingest.ts (a couple of turns and a profile with its hottest
 * lines, optionally Linux perf of the Worker's process) and scripts/bench/compare-ingest.ts (a
 * before and an after checkout side by side, in alternating turns with the bare Worker).
 *
 * Also: queue messages at 20 events/s, DO calls, capacity lookups and inserts per 1,000 events,
 * and the Cloudflare list-price cost those imply.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_SETTINGS } from '../../workers/clickhouse/settings';
import { type Stack, startStack } from '../lib/stack';
import { StackOwner, stackAdmin } from '../lib/stack-owner';
import {
  cpuMsOf,
  type WorkerdProcesses,
  workerdProcesses,
  workerdProcessesOf,
} from '../lib/workerd-processes';
import { type ProfileSummary, profileArea, profileDuring } from './cpu-profile';

export const SITES = ['bench-a.test', 'bench-b.test', 'bench-c.test'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
];
/** Visitor IPs the load is drawn from; at the default per-IP limit (300/min) none is throttled. */
const IP_POOL = 5000;
/** Turns each side gets (BENCH_ROUNDS), and seconds per turn (BENCH_TURN_SECONDS). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4));
const TURN_SECONDS = Math.max(2, Number(process.env.BENCH_TURN_SECONDS ?? 8));
/** Ports: the bench's own, moved by EDGEBEAR_TEST_PORT_OFFSET so parallel runs do not collide. */
const OFFSET = Number(process.env.EDGEBEAR_TEST_PORT_OFFSET ?? 0);
const CLICKHOUSE_PORT = 18324 + OFFSET;
export const WORKER_PORT = 18987 + OFFSET;
const BARE_PORT = 18977 + OFFSET;
/**
 * A drain ends once every answered event is a row and none came for QUIET_MS (longer than the
 * group commit window, 0.8 s, plus the consumer's batch timeout, 1 s), or none came for
 * DRAIN_STALL_MS.
 */
const QUIET_MS = 3_000;
const DRAIN_STALL_MS = 15_000;

/** One side's totals over its turns. */
export interface SideFigures {
  requests: number;
  seconds: number;
  rps: number;
  /** CPU of the Worker's workerd process, ms. */
  workerCpuMs: number;
  /** CPU of every workerd of that wrangler (the proxy too), ms. */
  allCpuMs: number;
  /** Requests refused (non-2xx). */
  non2xx: number;
  /** Of `workerCpuMs`, what the Worker's process spent after the load stopped, until the last insert. */
  drainCpuMs: number;
}

export interface IngestFigures {
  bareWorker: SideFigures;
  bareRoute: SideFigures;
  events: SideFigures;
  /** Rows the consumer inserted for the /api/event turns (the CPU denominator). */
  eventsInserted: number;
  /** Seconds the drains took after the load stopped, summed. */
  drainSeconds: number;
  /** /api/event req/s ÷ bare Worker req/s. */
  ratio: number;
  /** /api/event req/s ÷ in-Worker bare route req/s. */
  routeRatio: number;
  bareCpuMsPerRequest: number;
  bareRouteCpuMsPerRequest: number;
  eventCpuMsPerEvent: number;
  /** Worker-process CPU per inserted event ÷ the bare Worker's per request. */
  cpuRatio: number;
  /** … ÷ the in-Worker bare route's per request. */
  routeCpuRatio: number;
  /** The same ratio over every workerd process (proxy included) of each side. */
  allCpuRatio: number;
  profile: ProfileSummary | null;
  /** Turns run again because wrangler restarted the Worker during them. */
  discardedTurns: number;
  acceptedUnderLoad: number;
  queueMessagesPer1000At20: number;
  queueBytesPerMessageAt20: number;
  doCallsPer1000: number;
  /** D1 reads of the plan capacity check per 1,000 events (the sites belong to a billing profile). */
  capacityLookupsPer1000: number;
  insertsPer1000: number;
  costPerMillion: { requests: number; cpu: number; queue: number; durableObjects: number; total: number };
  connections: number;
  turnSeconds: number;
  rounds: number;
  ipPool: number;
  perIpLimit: string;
}

async function metrics(stack: Stack): Promise<Record<string, number>> {
  const res = await fetch(`${stack.workerUrl}/metrics`, {
    headers: { authorization: 'Bearer stack-metrics-token' },
  });
  const values: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return values;
}

function delta(after: Record<string, number>, before: Record<string, number>, key: string): number {
  return (after[key] ?? 0) - (before[key] ?? 0);
}

/**
 * A wrk Lua script with realistic events: three sites, six pages, visitors drawn from IP_POOL
 * addresses with one of six browsers each, one event in five a custom event whose props carry
 * non-ASCII text. The bare floors get the very same requests.
 */
export function wrkScript(path: string): string {
  const file = join(tmpdir(), `edgebear-wrk-${process.pid}-${path.replace(/\W/g, '')}.lua`);
  writeFileSync(
    file,
    `
local sites = { ${SITES.map((s) => `"${s}"`).join(', ')} }
local agents = { ${USER_AGENTS.map((u) => JSON.stringify(u)).join(', ')} }
local pages = { "/", "/pricing", "/docs", "/blog/launch?utm_source=newsletter&utm_medium=email", "/about", "/docs/install" }
local referrers = { "https://news.ycombinator.com/", "https://www.google.com/", "", "https://t.co/abc" }
local n = 0
request = function()
  n = n + 1
  local ip = math.random(1, ${IP_POOL})
  local site = sites[(ip % #sites) + 1]
  local page = pages[(n % #pages) + 1]
  local ref = referrers[(ip % #referrers) + 1]
  local body
  if n % 5 == 0 then
    body = '{"n":"Signup","u":"https://' .. site .. page .. '","d":"' .. site .. '","r":"' .. ref .. '","p":{"plan":"Größe M","city":"東京","from":"café – ☕"}}'
  else
    body = '{"n":"pageview","u":"https://' .. site .. page .. '","d":"' .. site .. '","r":"' .. ref .. '","w":1280}'
  end
  local headers = {}
  headers["Content-Type"] = "text/plain"
  headers["User-Agent"] = agents[(ip % #agents) + 1]
  headers["CF-Connecting-IP"] = "198.18." .. math.floor(ip / 256) .. "." .. (ip % 256)
  return wrk.format("POST", "${path}", headers, body)
end
`,
  );
  return file;
}

export function wrk(
  url: string,
  script: string,
  connections: number,
  seconds: number,
): { rps: number; requests: number; non2xx: number; seconds: number } {
  const out = spawnSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '-s', script, url], {
    encoding: 'utf8',
    timeout: (seconds + 60) * 1000,
  });
  if (out.status !== 0) throw new Error(`wrk failed: ${out.stderr}`);
  const requests = Number(/(\d+) requests in ([\d.]+)(m?s)/.exec(out.stdout)?.[1] ?? 0);
  const elapsed = /(\d+) requests in ([\d.]+)(m?s)/.exec(out.stdout);
  const took = elapsed ? Number(elapsed[2]) / (elapsed[3] === 'ms' ? 1000 : 1) : seconds;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out.stdout)?.[1] ?? 0);
  return { rps: requests / Math.max(1e-9, took), requests, non2xx, seconds: took };
}

/** Open-loop sender: `rate` events per second for `seconds`, each from a visitor of a pool. */
async function openLoop(stack: Stack, rate: number, seconds: number): Promise<number> {
  const total = rate * seconds;
  const started = Date.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const site = SITES[i % SITES.length] ?? 'bench-a.test';
    inflight.push(
      fetch(`${stack.workerUrl}/api/event`, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain',
          'user-agent': USER_AGENTS[i % USER_AGENTS.length] ?? '',
          'cf-connecting-ip': `198.19.${(i >> 8) & 255}.${i & 255}`,
        },
        body: JSON.stringify({ n: 'pageview', u: `https://${site}/open/${i}`, d: site }),
      }).then((r) => r.arrayBuffer().then(() => undefined)),
    );
  }
  await Promise.all(inflight);
  return total;
}

/** The bare Worker under its own `wrangler dev` (same wrangler binary as the stack's). */
export async function startBareWorker(): Promise<{ url: string; pid: number; close(): void }> {
  const persistTo = join(tmpdir(), `edgebear-bench-bare-${process.pid}`);
  rmSync(persistTo, { recursive: true, force: true });
  mkdirSync(persistTo, { recursive: true });
  const child: ChildProcess = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--config',
      'tools/bench/wrangler.toml',
      '--ip',
      '127.0.0.1',
      '--port',
      String(BARE_PORT),
      '--inspector-port',
      String(BARE_PORT + 1000),
      '--persist-to',
      persistTo,
      '--show-interactive-dev-session=false',
      '--log-level',
      'error',
    ],
    { stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' }, detached: true },
  );
  const close = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    rmSync(persistTo, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${BARE_PORT}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const res = await fetch(url, { method: 'POST', body: '{}' });
      await res.arrayBuffer();
      if (res.status === 202) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      close();
      throw new Error('the bare Worker did not start');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!child.pid || !workerdProcesses(child.pid)) {
    close();
    throw new Error("could not find the bare Worker's workerd process");
  }
  return { url, pid: child.pid, close };
}

export async function rowCount(stack: Stack): Promise<number> {
  // A keep-alive connection left idle through a wrk turn may have been closed by the ClickHouse
  // bridge (ECONNRESET on reuse): such a failure is retried on a fresh connection.
  for (let attempt = 1; ; attempt++) {
    try {
      const settings = new URLSearchParams({ database: 'edgebear', ...SESSION_SETTINGS });
      const res = await fetch(`${stack.clickhouseUrl}/?${settings}`, {
        method: 'POST',
        headers: { authorization: `Basic ${btoa(`default:${stack.password}`)}` },
        body: 'SELECT count() FROM events',
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`ClickHouse: ${text}`);
      return Number(text.trim());
    } catch (error) {
      if (!(error instanceof TypeError) || attempt >= 3) throw error;
    }
  }
}

/**
 * Waits until the consumer has stored the turn's events: `target` rows (the requests wrk counted as
 * answered) and then no new row for QUIET_MS (wrk does not count the requests still in flight when
 * its clock stops, which are stored too), or no new row for DRAIN_STALL_MS. `onGrowth` runs each
 * time rows grew, so CPU can be read at the last insert rather than after the quiet wait.
 */
export async function drain(stack: Stack, target: number, onGrowth: () => void = () => {}): Promise<number> {
  let rows = await rowCount(stack);
  let grewAt = Date.now();
  for (;;) {
    const quiet = Date.now() - grewAt;
    if ((rows >= target && quiet >= QUIET_MS) || quiet >= DRAIN_STALL_MS) return rows;
    await new Promise((r) => setTimeout(r, 100));
    const now = await rowCount(stack);
    if (now > rows) {
      grewAt = Date.now();
      onGrowth();
    }
    rows = now;
  }
}

/**
 * Counters reach the metrics object at most every 5 s per isolate, flushed by an ingest request:
 * wait out the interval, then send one event (to an unknown site, so nothing is stored).
 */
async function settleCounters(stack: Stack): Promise<void> {
  await new Promise((r) => setTimeout(r, 5500));
  const res = await fetch(`${stack.workerUrl}/api/event`, {
    method: 'POST',
    headers: { 'user-agent': USER_AGENTS[0] ?? '', 'cf-connecting-ip': '198.51.100.1' },
    body: JSON.stringify({ n: 'pageview', u: 'https://nobody.test/', d: 'nobody.test' }),
  });
  await res.arrayBuffer();
  await new Promise((r) => setTimeout(r, 500));
}

export function emptySide(): SideFigures {
  return { requests: 0, seconds: 0, rps: 0, workerCpuMs: 0, allCpuMs: 0, non2xx: 0, drainCpuMs: 0 };
}

/**
 * One turn of load against `url`, its CPU read from the workerd processes `find` names. With
 * `stack`, the turn lasts until its drain ends and the CPU is read at the last insert. Returns
 * false, counting nothing, when the Worker's workerd was replaced during the turn: `wrangler dev`
 * restarts it when a source file changes, which happens when others edit the tree.
 */
export async function turn(
  side: SideFigures,
  url: string,
  find: () => WorkerdProcesses,
  connections: number,
  stack?: Stack,
): Promise<{ counted: boolean; stored: number; drainMs: number }> {
  const processes = find();
  const read = (): { worker: number; all: number } => ({
    worker: cpuMsOf([processes.worker]),
    all: cpuMsOf(processes.all),
  });
  const start = read();
  const rows0 = stack ? await rowCount(stack) : 0;
  const result = wrk(url, wrkScript(new URL(url).pathname), connections, TURN_SECONDS);
  const loadEnd = read();
  let end = loadEnd;
  const loadEnded = Date.now();
  let lastInsert = loadEnded;
  let stored = 0;
  if (stack) {
    const rows = await drain(stack, rows0 + result.requests - result.non2xx, () => {
      end = read();
      lastInsert = Date.now();
    });
    stored = rows - rows0;
  }
  const drainMs = lastInsert - loadEnded;
  if (find().worker !== processes.worker) return { counted: false, stored, drainMs };
  side.workerCpuMs += end.worker - start.worker;
  side.drainCpuMs += end.worker - loadEnd.worker;
  side.allCpuMs += end.all - start.all;
  side.requests += result.requests;
  side.seconds += result.seconds;
  side.non2xx += result.non2xx;
  side.rps = side.requests / Math.max(1e-9, side.seconds);
  return { counted: true, stored, drainMs };
}

/** The per-IP limit of the bench: the default, which none of the 5,000 visitor IPs reaches. */
const PER_IP_LIMIT = '300/60';

/**
 * Edgebear's private stack for the ingest bench, with the bench's three sites owned by a customer
 * whose plan admits the load; `processes` finds the Worker's workerd processes.
 */
export async function startIngestStack(
  options: { portShift?: number; externalClickHouse?: { url: string; password: string } } = {},
): Promise<{ stack: Stack; processes: () => WorkerdProcesses }> {
  const shift = options.portShift ?? 0;
  const stack = await startStack({
    clickhousePort: CLICKHOUSE_PORT + shift,
    workerPort: WORKER_PORT + shift,
    externalClickHouse: options.externalClickHouse,
    // The per-IP limit stays at its default (300/min): 5,000 visitor IPs never reach it. The
    // per-site limit is raised so the three sites' ~2,000 events/min each are never refused.
    vars: { RATE_LIMIT_PER_IP: PER_IP_LIMIT, RATE_LIMIT_PER_SITE: '100000000/60' },
    quiet: true,
  });
  try {
    // The sites belong to a customer's billing profile, as in production, so every event passes
    // the plan capacity check; the limit is set far above the load so none is refused.
    const owner = await StackOwner.signUp(stack.workerUrl, 'bench-owner@example.com');
    await stackAdmin(stack.workerUrl, 'PATCH', '/admin/api/billing-profiles/1', {
      custom_monthly_events: 1e10,
      custom_sites: SITES.length,
    });
    for (const domain of SITES) await owner.expect('POST', '/api/sites', { domain }, 201);
  } catch (error) {
    await stack.close();
    throw error;
  }
  const processes = (): WorkerdProcesses => {
    const pid = stack.workerPid();
    if (!pid) throw new Error('could not find the Worker workerd process');
    return workerdProcessesOf(pid);
  };
  return { stack, processes };
}

export async function benchIngest(log: (s: string) => void = console.log): Promise<IngestFigures> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 256);
  const perIpLimit = PER_IP_LIMIT;
  log(
    `starting a private stack (ClickHouse ${CLICKHOUSE_PORT}, Worker ${WORKER_PORT}) and the bare Worker (${BARE_PORT})…`,
  );
  const { stack, processes: edgebear } = await startIngestStack();
  let bareWorker: Awaited<ReturnType<typeof startBareWorker>> | null = null;
  let discarded = 0;
  try {
    bareWorker = await startBareWorker();
    const bareProcesses = (): WorkerdProcesses => {
      const found = bareWorker ? workerdProcesses(bareWorker.pid) : null;
      if (!found) throw new Error("could not find the bare Worker's workerd process");
      return found;
    };
    const eventUrl = `${stack.workerUrl}/api/event`;
    const routeUrl = `${stack.workerUrl}/api/_bench/bare`;
    const bareUrl = `${bareWorker.url}/api/event`;

    // Warm-up (JIT, caches, salts, leases), then let the consumer finish.
    wrk(bareUrl, wrkScript('/api/event'), 32, 3);
    wrk(routeUrl, wrkScript('/api/_bench/bare'), 32, 3);
    const warm = wrk(eventUrl, wrkScript('/api/event'), 32, 3);
    await drain(stack, (await rowCount(stack)) + warm.requests);

    log(
      `bare Worker, in-Worker bare route, /api/event (+ drain): ${ROUNDS} turns each of wrk -c${connections} for ${TURN_SECONDS} s…`,
    );
    const bare = emptySide();
    const route = emptySide();
    const events = emptySide();
    let inserted = 0;
    let drainMs = 0;
    await settleCounters(stack);
    const m0 = await metrics(stack);
    for (let round = 0; round < ROUNDS; round++) {
      const sides: [SideFigures, string, () => WorkerdProcesses, Stack | undefined][] = [
        [bare, bareUrl, bareProcesses, undefined],
        [route, routeUrl, edgebear, undefined],
        [events, eventUrl, edgebear, stack],
      ];
      for (const [side, url, find, drained] of sides) {
        // A turn whose Worker was restarted under it is run again (at most twice).
        for (let attempt = 0; attempt < 3; attempt++) {
          const { counted, stored, drainMs: tookMs } = await turn(side, url, find, connections, drained);
          if (counted) {
            inserted += stored;
            drainMs += tookMs;
            break;
          }
          discarded++;
          log(
            `  ${new URL(url).pathname} turn discarded: wrangler restarted the Worker (a source file changed)`,
          );
        }
      }
      log(
        `  round ${round + 1}: bare Worker ${bare.rps.toFixed(0)} req/s, route ${route.rps.toFixed(0)}, events ${events.rps.toFixed(0)} (running means)`,
      );
    }
    await settleCounters(stack);
    const m1 = await metrics(stack);
    const accepted = delta(m1, m0, 'edgebear_events_accepted_total');
    const doCalls = delta(m1, m0, 'edgebear_limiter_do_calls_total');
    const capacityLookups = delta(m1, m0, 'edgebear_capacity_lookups_total');
    const inserts = delta(m1, m0, 'edgebear_consumer_messages_total{outcome="inserted"}');

    log('profiling one more /api/event turn (+ drain) through the inspector…');
    let profile: ProfileSummary | null = null;
    try {
      // The stack's inspector listens on its port + 1000 (scripts/lib/stack.ts).
      profile = await profileDuring(WORKER_PORT + 1000, async () => {
        const rows0 = await rowCount(stack);
        const r = wrk(eventUrl, wrkScript('/api/event'), connections, TURN_SECONDS);
        await drain(stack, rows0 + r.requests - r.non2xx);
      });
    } catch (error) {
      log(`  profile failed: ${error instanceof Error ? error.message : String(error)}`);
    }

    log('20 events/s open loop for 30 s (queue messages per 1,000 events)…');
    const q0 = await metrics(stack);
    const sent = await openLoop(stack, 20, 30);
    await settleCounters(stack);
    const q1 = await metrics(stack);
    const messagesAt20 = delta(q1, q0, 'edgebear_queue_messages_sent_total');
    const bytesAt20 = delta(q1, q0, 'edgebear_queue_message_bytes_total');

    const perRequest = (cpu: number, n: number): number => cpu / Math.max(1, n);
    const bareCpuMs = perRequest(bare.workerCpuMs, bare.requests);
    const routeCpuMs = perRequest(route.workerCpuMs, route.requests);
    const eventCpuMs = perRequest(events.workerCpuMs, inserted);
    const queueMessagesPer1000 = (messagesAt20 / Math.max(1, sent)) * 1000;
    const bytesPerMessage = bytesAt20 / Math.max(1, messagesAt20);
    // List prices (Workers Paid): $0.30 per million requests, $0.02 per million CPU-ms,
    // Queues $0.40 per million operations (write + read + delete per message, per 64 KB),
    // Durable Objects $0.15 per million requests.
    const requests = 0.3;
    const cpu = eventCpuMs * 0.02;
    const opsPerMessage = 3 * Math.max(1, Math.ceil(bytesPerMessage / 65_536));
    const queue = ((queueMessagesPer1000 * 1000 * opsPerMessage) / 1e6) * 0.4;
    const doCallsPer1000 = (doCalls / Math.max(1, accepted)) * 1000;
    const durableObjects = ((doCallsPer1000 * 1000) / 1e6) * 0.15;
    return {
      bareWorker: bare,
      bareRoute: route,
      events,
      eventsInserted: inserted,
      drainSeconds: drainMs / 1000,
      ratio: events.rps / Math.max(1e-9, bare.rps),
      routeRatio: events.rps / Math.max(1e-9, route.rps),
      bareCpuMsPerRequest: bareCpuMs,
      bareRouteCpuMsPerRequest: routeCpuMs,
      eventCpuMsPerEvent: eventCpuMs,
      cpuRatio: eventCpuMs / Math.max(1e-9, bareCpuMs),
      routeCpuRatio: eventCpuMs / Math.max(1e-9, routeCpuMs),
      allCpuRatio:
        perRequest(events.allCpuMs, inserted) / Math.max(1e-9, perRequest(bare.allCpuMs, bare.requests)),
      profile,
      discardedTurns: discarded,
      acceptedUnderLoad: accepted,
      queueMessagesPer1000At20: queueMessagesPer1000,
      queueBytesPerMessageAt20: bytesPerMessage,
      doCallsPer1000,
      capacityLookupsPer1000: (capacityLookups / Math.max(1, accepted)) * 1000,
      insertsPer1000: (inserts / Math.max(1, accepted)) * 1000,
      costPerMillion: {
        requests,
        cpu,
        queue,
        durableObjects,
        total: requests + cpu + queue + durableObjects,
      },
      connections,
      turnSeconds: TURN_SECONDS,
      rounds: ROUNDS,
      ipPool: IP_POOL,
      perIpLimit,
    };
  } finally {
    bareWorker?.close();
    await stack.close();
  }
}

function fixed(n: number, digits = 2): string {
  return n.toFixed(digits);
}

function mark(ok: boolean): string {
  return ok ? 'met' : '**not met**';
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/** The profile summary as text lines (printed by the bench, and kept in docs/benchmarks.md). */
export function profileLines(profile: ProfileSummary): string[] {
  const areas = new Map<string, number>();
  for (const f of profile.allFiles) {
    const area = profileArea(f.file);
    areas.set(area, (areas.get(area) ?? 0) + f.selfShare);
  }
  return [
    `| self time | function | file |`,
    '|---|---|---|',
    ...profile.top.map((e) => `| ${percent(e.selfShare)} | \`${e.name}\` | ${e.file} |`),
    '',
    `By file: ${profile.files.map((f) => `${f.file} ${percent(f.selfShare)}`).join(', ')}.`,
    '',
    `By area: ${[...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, share]) => `${area} ${percent(share)}`)
      .join(
        ', ',
      )} (the consumer: workers/consumer, workers/visits, workers/clickhouse and the ClickHouse client; other: the dev server's middleware and bundle glue).`,
  ];
}

/** docs/benchmarks.md's Ingest section. */
export function ingestLines(f: IngestFigures): string[] {
  const rows: [string, string, string, boolean | null][] = [
    [
      '`/api/event` req/s ÷ separate bare Worker req/s',
      `${fixed(f.events.rps, 0)} ÷ ${fixed(f.bareWorker.rps, 0)} = ${fixed(f.ratio)}`,
      '≥ 0.8',
      f.ratio >= 0.8,
    ],
    [
      'Worker CPU per stored event (turn + drain) ÷ bare Worker CPU per request',
      `${fixed(f.eventCpuMsPerEvent, 3)} ms ÷ ${fixed(f.bareCpuMsPerRequest, 3)} ms = ${fixed(f.cpuRatio)}`,
      '≤ 2',
      f.cpuRatio <= 2,
    ],
    ['the same, every workerd process of each wrangler (proxy included)', fixed(f.allCpuRatio), '—', null],
    [
      '`/api/event` req/s ÷ in-Worker bare route (`/api/_bench/bare`) req/s',
      `${fixed(f.events.rps, 0)} ÷ ${fixed(f.bareRoute.rps, 0)} = ${fixed(f.routeRatio)}`,
      '—',
      null,
    ],
    [
      'Worker CPU per stored event ÷ in-Worker bare route CPU per request',
      `${fixed(f.eventCpuMsPerEvent, 3)} ms ÷ ${fixed(f.bareRouteCpuMsPerRequest, 3)} ms = ${fixed(f.routeCpuRatio)}`,
      '—',
      null,
    ],
    [
      'Queue messages per 1,000 events at 20 events/s',
      fixed(f.queueMessagesPer1000At20, 1),
      '≤ 100',
      f.queueMessagesPer1000At20 <= 100,
    ],
    [
      `DO calls per 1,000 events (${f.ipPool.toLocaleString('en')} visitor IPs, 3 sites)`,
      fixed(f.doCallsPer1000, 1),
      '≤ 50',
      f.doCallsPer1000 <= 50,
    ],
    [
      'D1 reads of the plan capacity check per 1,000 events (sites of one billing profile)',
      fixed(f.capacityLookupsPer1000, 2),
      '≤ 1',
      f.capacityLookupsPer1000 <= 1,
    ],
    ['ClickHouse inserts per 1,000 events under load', fixed(f.insertsPer1000, 1), '—', null],
    [
      'Cloudflare cost per million events (list prices)',
      `$${fixed(f.costPerMillion.total, 3)}`,
      '≤ $0.45',
      f.costPerMillion.total <= 0.45,
    ],
  ];
  const lines = [
    '## Ingest',
    '',
    `Method. The floor is a **separate minimal Worker** (\`tools/bench/bare-worker.ts\`, a \`fetch\` that answers 202) under its own \`wrangler dev\`, the same wrangler and machine as Edgebear's private \`wrangler dev\` stack (local workerd, Queues, Durable Objects, D1, chDB ClickHouse); the in-Worker bare route \`/api/_bench/bare\` (development only; it pays for Hono and the app's middlewares) is a second floor. The three take **alternating turns**, ${f.rounds} each of ${f.turnSeconds} s of \`wrk -t2 -c${f.connections}\`, with the same realistic requests: 3 sites, visitors drawn from ${f.ipPool.toLocaleString('en')} IPs with 6 browsers, one event in five a custom event with non-ASCII props; per-IP limit ${f.perIpLimit} (the default; no visitor reaches it), per-site limit raised out of the way. An \`/api/event\` turn is measured **until its drain ends**: the queue consumer has inserted every accepted event into ClickHouse (\`count()\` of \`events\` reaches the requests answered, and no row comes for ${QUIET_MS / 1000} s more, for the requests still in flight when wrk stopped), so consumer, queue and Durable Object work count; the CPU is read at the last insert (drains took ${fixed(f.drainSeconds, 1)} s in all). **CPU** is utime + stime from \`/proc/<pid>/stat\` of the Worker's workerd process (the one \`wrangler dev\` starts with \`--inspector-addr\`, found among the workerd processes descending from that wrangler), read before and after each turn (a turn during which wrangler restarted the Worker, as it does when a source file changes, is run again: ${f.discardedTurns} were); the event figure is divided by the rows stored (${f.eventsInserted.toLocaleString('en')}), the floors by requests answered.`,
    '',
    '| figure | measured | budget | |',
    '|---|---|---|---|',
    ...rows.map(
      ([what, value, budget, ok]) => `| ${what} | ${value} | ${budget} | ${ok === null ? '' : mark(ok)} |`,
    ),
    '',
    `Requests: bare Worker ${f.bareWorker.requests.toLocaleString('en')} (${f.bareWorker.non2xx} non-2xx), in-Worker route ${f.bareRoute.requests.toLocaleString('en')}, \`/api/event\` ${f.events.requests.toLocaleString('en')} (${f.events.non2xx} non-2xx; ${f.acceptedUnderLoad.toLocaleString('en')} accepted by the metrics). CPU: bare Worker ${fixed(f.bareWorker.workerCpuMs, 0)} ms, route ${fixed(f.bareRoute.workerCpuMs, 0)} ms, events ${fixed(f.events.workerCpuMs, 0)} ms, of which ${fixed(f.events.drainCpuMs, 0)} ms (${percent(f.events.drainCpuMs / Math.max(1e-9, f.events.workerCpuMs))}) after wrk stopped, in the drains: the queue consumer's batches, their VisitTracker calls and ClickHouse inserts, and the last requests' group commits.`,
    '',
    `Cost per million events: requests $${fixed(f.costPerMillion.requests, 3)} + CPU $${fixed(f.costPerMillion.cpu, 3)} + Queues $${fixed(f.costPerMillion.queue, 3)} (${fixed(f.queueMessagesPer1000At20, 1)} messages per 1,000 events at 20 events/s, ${fixed(f.queueBytesPerMessageAt20, 0)} B each, 3 operations per message) + Durable Objects $${fixed(f.costPerMillion.durableObjects, 4)}.`,
    '',
  ];
  if (f.profile) {
    lines.push(
      `### Where the CPU per event goes`,
      '',
      `workerd's CPU profiler (inspector, \`Profiler.start\`/\`stop\`, ${f.profile.intervalUs} µs sampling) over one more \`/api/event\` turn and its drain, not counted above: the functions with the most self time, as a share of the ${f.profile.busySamples.toLocaleString('en')} non-idle samples. The inspector sees the Worker's isolate only (its JavaScript, the runtime calls that JavaScript makes, and the Durable Objects and queue consumer it hosts under \`wrangler dev\`); Linux \`perf\` of the same workerd process (\`scripts/bench/profile-ingest.ts\` with \`PROFILE_PERF\`) puts most of the process's CPU in the runtime's own request handling (HTTP, the dev server's entry worker, tail events), which the bare Worker pays too.`,
      '',
      ...profileLines(f.profile),
      '',
    );
  }
  return lines;
}
