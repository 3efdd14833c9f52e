/**
 * A quicker look at the ingest hot path than the whole bench (`npx tsx scripts/bench/profile-ingest.ts`):
 * the same private stack, bare Worker and wrk load as scripts/bench/ingest.ts, but only
 * PROFILE_ROUNDS (default 2) alternating turns of the bare Worker and `/api/event` (+ drain), then
 * one profiled `/api/event` turn, printed with its hottest functions, files and bundle lines.
 * PROFILE_JSON=<file> keeps the figures.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Stack } from '../lib/stack';
import { workerdProcesses } from '../lib/workerd-processes';
import { profileDuring } from './cpu-profile';
import {
  drain,
  emptySide,
  profileLines,
  rowCount,
  startBareWorker,
  startIngestStack,
  turn,
  WORKER_PORT,
  wrk,
  wrkScript,
} from './ingest';

const ROUNDS = Math.max(0, Number(process.env.PROFILE_ROUNDS ?? 2));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 256);
const TURN_SECONDS = Math.max(2, Number(process.env.BENCH_TURN_SECONDS ?? 8));

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

/** CPU ms of each thread of `pid`, by thread name. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      out.set(`${name}#${tid}`, ms);
    } catch {
      // the thread ended
    }
  }
  return out;
}

/**
 * One more `/api/event` turn (+ drain) under Linux `perf record` of the Worker's workerd process,
 * for the CPU the inspector cannot see (the runtime's native code, other isolates of the process:
 * Durable Objects, the local queue and D1), with each thread's CPU.
 */
async function perfTurnAsync(pid: number, url: string, stack: Stack, out: string): Promise<void> {
  const before = threadCpu(pid);
  const perf = spawn('perf', ['record', '-F', '499', '-g', '-p', String(pid), '-o', out], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 1000));
  const rows0 = await rowCount(stack);
  const r = wrk(url, wrkScript('/api/event'), CONNECTIONS, TURN_SECONDS);
  const stored = (await drain(stack, rows0 + r.requests - r.non2xx)) - rows0;
  perf.kill('SIGINT');
  await new Promise((resolve) => perf.once('exit', resolve));
  const after = threadCpu(pid);
  console.log(`perf turn: ${stored} events stored; thread CPU ms per 1,000 events:`);
  for (const [name, ms] of after) {
    const used = ms - (before.get(name) ?? 0);
    if (used > 0) console.log(`  ${name}: ${((used / Math.max(1, stored)) * 1000).toFixed(0)}`);
  }
}

async function main(): Promise<void> {
  console.log(`load average before: ${loadAverage()}`);
  const { stack, processes } = await startIngestStack();
  const bare = await startBareWorker();
  try {
    const eventUrl = `${stack.workerUrl}/api/event`;
    const bareUrl = `${bare.url}/api/event`;
    wrk(bareUrl, wrkScript('/api/event'), 32, 3);
    const warm = wrk(eventUrl, wrkScript('/api/event'), 32, 3);
    await drain(stack, (await rowCount(stack)) + warm.requests);

    const bareSide = emptySide();
    const events = emptySide();
    let stored = 0;
    const bareProcesses = () => {
      const found = workerdProcesses(bare.pid);
      if (!found) throw new Error("could not find the bare Worker's workerd process");
      return found;
    };
    for (let round = 0; round < ROUNDS; round++) {
      await turn(bareSide, bareUrl, bareProcesses, CONNECTIONS);
      const t = await turn(events, eventUrl, processes, CONNECTIONS, stack);
      if (t.counted) stored += t.stored;
      console.log(
        `round ${round + 1}: bare ${bareSide.rps.toFixed(0)} req/s ${(bareSide.workerCpuMs / Math.max(1, bareSide.requests)).toFixed(3)} ms/req; events ${events.rps.toFixed(0)} req/s ${(events.workerCpuMs / Math.max(1, stored)).toFixed(3)} ms/event (load ${loadAverage()})`,
      );
    }
    const figures = {
      bareRps: bareSide.rps,
      eventRps: events.rps,
      ratio: events.rps / Math.max(1e-9, bareSide.rps),
      bareCpuMsPerRequest: bareSide.workerCpuMs / Math.max(1, bareSide.requests),
      eventCpuMsPerEvent: events.workerCpuMs / Math.max(1, stored),
      cpuRatio: 0,
      stored,
    };
    figures.cpuRatio = figures.eventCpuMsPerEvent / Math.max(1e-9, figures.bareCpuMsPerRequest);
    if (ROUNDS > 0) console.log(JSON.stringify(figures));

    if (process.env.PROFILE_PERF)
      await perfTurnAsync(processes().worker, eventUrl, stack, process.env.PROFILE_PERF);

    let profiled = 0;
    const profile = await profileDuring(WORKER_PORT + 1000, async () => {
      const rows0 = await rowCount(stack);
      const r = wrk(eventUrl, wrkScript('/api/event'), CONNECTIONS, TURN_SECONDS);
      profiled = (await drain(stack, rows0 + r.requests - r.non2xx)) - rows0;
    });
    console.log(
      `\nprofile: ${profile.busySamples} busy samples of ${profile.samples} at ${profile.intervalUs} µs over ${profiled} stored events = ${((profile.busySamples * profile.intervalUs) / 1000 / Math.max(1, profiled)).toFixed(3)} ms of sampled JS-thread time per event`,
    );
    console.log(profileLines(profile).join('\n'));
    console.log('\nhottest bundle lines:');
    for (const l of profile.lines)
      console.log(`${(l.selfShare * 100).toFixed(1).padStart(5)} %  ${l.fn} (${l.file}): ${l.text}`);
    console.log(`load average after: ${loadAverage()}`);
    if (process.env.PROFILE_JSON)
      writeFileSync(process.env.PROFILE_JSON, JSON.stringify({ figures, profile, profiled }, null, 2));
  } finally {
    bare.close();
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
