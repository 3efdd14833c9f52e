/**
 * Ingest benchmarks against a private `wrangler dev` stack: throughput of /api/event next to a
 * bare 202 route of the same Worker in the same run, the Worker process's CPU per accepted
 * event (from /proc), queue messages, DO calls and ClickHouse inserts per 1,000 events, and the
 * Cloudflare list-price cost those imply.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Stack, startStack } from '../lib/stack';
import { StackOwner, stackAdmin } from '../lib/stack-owner';

const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SITES = ['bench-a.test', 'bench-b.test', 'bench-c.test'];
/** Turns each route gets in the throughput comparison (BENCH_ROUNDS). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

export interface IngestFigures {
  bareRps: number;
  eventRps: number;
  ratio: number;
  bareCpuMsPerRequest: number;
  eventCpuMsPerEvent: number;
  cpuRatio: number;
  acceptedUnderLoad: number;
  queueMessagesPer1000At20: number;
  queueBytesPerMessageAt20: number;
  doCallsPer1000: number;
  /** D1 reads of the plan capacity check per 1,000 events (the sites belong to a billing profile). */
  capacityLookupsPer1000: number;
  insertsPer1000: number;
  costPerMillion: { requests: number; cpu: number; queue: number; durableObjects: number; total: number };
  connections: number;
  /** Seconds of load per route, in `rounds` turns. */
  seconds: number;
  rounds: number;
}

function clockTicks(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(out.stdout.trim()) || 100;
}

/** utime + stime of a process, in milliseconds. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
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

/** A wrk Lua script: POST bodies for a few sites from a pool of visitor IPs (a realistic mix). */
function wrkScript(path: string, ipPool: number): string {
  const file = join(tmpdir(), `edgebear-wrk-${process.pid}-${path.replace(/\W/g, '')}.lua`);
  writeFileSync(
    file,
    `
local sites = { ${SITES.map((s) => `"${s}"`).join(', ')} }
local pages = { "/", "/pricing", "/docs", "/blog/launch", "/about", "/docs/install" }
local n = 0
request = function()
  n = n + 1
  local ip = math.random(1, ${ipPool})
  local site = sites[(ip % #sites) + 1]
  local page = pages[(n % #pages) + 1]
  local body = '{"n":"pageview","u":"https://' .. site .. page .. '","d":"' .. site .. '","r":"https://news.ycombinator.com/","w":1280}'
  local headers = {}
  headers["Content-Type"] = "text/plain"
  headers["User-Agent"] = "${UA}"
  headers["CF-Connecting-IP"] = "198.18." .. math.floor(ip / 256) .. "." .. (ip % 256)
  return wrk.format("POST", "${path}", headers, body)
end
`,
  );
  return file;
}

function wrk(
  url: string,
  script: string,
  connections: number,
  seconds: number,
): { rps: number; requests: number; non2xx: number } {
  const out = spawnSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], {
    encoding: 'utf8',
    timeout: (seconds + 60) * 1000,
  });
  if (out.status !== 0) throw new Error(`wrk failed: ${out.stderr}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out.stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out.stdout)?.[1] ?? 0);
  return { rps, requests, non2xx };
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
          'user-agent': UA,
          'cf-connecting-ip': `198.19.${(i >> 8) & 255}.${i & 255}`,
        },
        body: JSON.stringify({ n: 'pageview', u: `https://${site}/open/${i}`, d: site }),
      }).then((r) => r.arrayBuffer().then(() => undefined)),
    );
  }
  await Promise.all(inflight);
  return total;
}

export async function benchIngest(log: (s: string) => void = console.log): Promise<IngestFigures> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 256);
  const seconds = Number(process.env.BENCH_SECONDS ?? 15);
  log('starting a private stack for the ingest benchmark (ClickHouse 18324, Worker 18987)…');
  const stack = await startStack({
    clickhousePort: 18324,
    workerPort: 18987,
    vars: { RATE_LIMIT_PER_SITE: '100000000/60' },
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
    const pid = stack.workerPid();
    if (!pid) throw new Error('could not find the Worker workerd process');
    // Warm up both routes (JIT, caches, salts, leases).
    wrk(`${stack.workerUrl}/api/_bench/bare`, wrkScript('/api/_bench/bare', 5000), 32, 3);
    wrk(`${stack.workerUrl}/api/event`, wrkScript('/api/event', 5000), 32, 3);
    await new Promise((r) => setTimeout(r, 3000));

    // The two routes take turns, ROUNDS times each, so that a burst of other work on the shared
    // machine falls on both rather than on one. After each /api/event turn the queue consumer's
    // inserts are let finish before the next bare turn, so they do not slow the bare route down.
    const turn = Math.max(3, Math.round(seconds / ROUNDS));
    log(`bare 202 route and /api/event, ${ROUNDS} turns of wrk -c${connections} for ${turn} s each…`);
    const bare = { requests: 0, seconds: 0, cpu: 0 };
    const events = { requests: 0, seconds: 0, cpu: 0 };
    const m0 = await metrics(stack);
    for (let round = 0; round < ROUNDS; round++) {
      let cpu0 = cpuMs(pid);
      const b = wrk(
        `${stack.workerUrl}/api/_bench/bare`,
        wrkScript('/api/_bench/bare', 5000),
        connections,
        turn,
      );
      bare.cpu += cpuMs(pid) - cpu0;
      bare.requests += b.requests;
      bare.seconds += b.requests / Math.max(1e-9, b.rps);
      await new Promise((r) => setTimeout(r, 2000));
      cpu0 = cpuMs(pid);
      const e = wrk(`${stack.workerUrl}/api/event`, wrkScript('/api/event', 5000), connections, turn);
      events.cpu += cpuMs(pid) - cpu0;
      events.requests += e.requests;
      events.seconds += e.requests / Math.max(1e-9, e.rps);
      await new Promise((r) => setTimeout(r, 4000));
    }
    const m1 = await metrics(stack);
    const bareCpu = bare.cpu;
    const eventCpu = events.cpu;
    const accepted = delta(m1, m0, 'edgebear_events_accepted_total');
    const doCalls = delta(m1, m0, 'edgebear_limiter_do_calls_total');
    const capacityLookups = delta(m1, m0, 'edgebear_capacity_lookups_total');
    const inserts = delta(m1, m0, 'edgebear_consumer_messages_total{outcome="inserted"}');

    log('20 events/s open loop for 30 s (queue messages per 1,000 events)…');
    const q0 = await metrics(stack);
    const sent = await openLoop(stack, 20, 30);
    await new Promise((r) => setTimeout(r, 3000));
    const q1 = await metrics(stack);
    const messagesAt20 = delta(q1, q0, 'edgebear_queue_messages_sent_total');
    const bytesAt20 = delta(q1, q0, 'edgebear_queue_message_bytes_total');

    const bareCpuMs = bareCpu / Math.max(1, bare.requests);
    const eventCpuMs = eventCpu / Math.max(1, accepted);
    const queueMessagesPer1000 = (messagesAt20 / Math.max(1, sent)) * 1000;
    const bytesPerMessage = bytesAt20 / Math.max(1, messagesAt20);
    const doCallsPer1000 = (doCalls / Math.max(1, accepted)) * 1000;
    const capacityLookupsPer1000 = (capacityLookups / Math.max(1, accepted)) * 1000;
    const insertsPer1000 = (inserts / Math.max(1, accepted)) * 1000;
    // List prices (Workers Paid): $0.30 per million requests, $0.02 per million CPU-ms,
    // Queues $0.40 per million operations (write + read + delete per message, per 64 KB),
    // Durable Objects $0.15 per million requests.
    const requests = 0.3;
    const cpu = eventCpuMs * 0.02;
    const opsPerMessage = 3 * Math.max(1, Math.ceil(bytesPerMessage / 65_536));
    const queue = ((queueMessagesPer1000 * 1000 * opsPerMessage) / 1e6) * 0.4;
    const durableObjects = ((doCallsPer1000 * 1000) / 1e6) * 0.15;
    const bareRps = bare.requests / Math.max(1e-9, bare.seconds);
    const eventRps = events.requests / Math.max(1e-9, events.seconds);
    return {
      bareRps,
      eventRps,
      ratio: eventRps / Math.max(1, bareRps),
      bareCpuMsPerRequest: bareCpuMs,
      eventCpuMsPerEvent: eventCpuMs,
      cpuRatio: eventCpuMs / Math.max(1e-9, bareCpuMs),
      acceptedUnderLoad: accepted,
      queueMessagesPer1000At20: queueMessagesPer1000,
      queueBytesPerMessageAt20: bytesPerMessage,
      doCallsPer1000,
      capacityLookupsPer1000,
      insertsPer1000,
      costPerMillion: {
        requests,
        cpu,
        queue,
        durableObjects,
        total: requests + cpu + queue + durableObjects,
      },
      connections,
      seconds: turn * ROUNDS,
      rounds: ROUNDS,
    };
  } finally {
    await stack.close();
  }
}
