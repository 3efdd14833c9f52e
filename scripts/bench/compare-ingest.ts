/**
 * Before/after for the ingest hot path, side by side on one machine:
 * `COMPARE_BEFORE=<dir> npx tsx scripts/bench/compare-ingest.ts`, run from the "after" tree, where
 * <dir> is another checkout of the project (e.g. `git archive <commit>` unpacked, node_modules
 * linked). Two private stacks (the before one's `wrangler dev` started from <dir>, both on this
 * tree's ClickHouse) and the separate bare Worker take alternating turns under the same wrk load as
 * scripts/bench/ingest.ts, COMPARE_ROUNDS (default 3) each; each event turn lasts until its drain
 * ends. Machines shared with other work change speed from minute to minute: alternating turns lets
 * each side see the same load, so their ratios compare where absolute figures would not.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { workerdProcesses } from '../lib/workerd-processes';
import {
  drain,
  emptySide,
  rowCount,
  type SideFigures,
  startBareWorker,
  startIngestStack,
  turn,
  wrk,
  wrkScript,
} from './ingest';

const ROUNDS = Math.max(1, Number(process.env.COMPARE_ROUNDS ?? 3));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 256);
/** The before stack's ports: the bench's own, moved by this much. */
const BEFORE_SHIFT = 50;

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function perEvent(side: SideFigures, stored: number): string {
  const cpu = side.workerCpuMs / Math.max(1, stored);
  const drainShare = side.drainCpuMs / Math.max(1e-9, side.workerCpuMs);
  return `${side.rps.toFixed(0)} req/s, ${cpu.toFixed(3)} ms CPU per stored event (${(drainShare * 100).toFixed(0)} % of it in the drain), ${stored} stored, ${side.non2xx} non-2xx`;
}

async function main(): Promise<void> {
  const beforeDir = process.env.COMPARE_BEFORE;
  if (!beforeDir) throw new Error('set COMPARE_BEFORE to the directory of the "before" checkout');
  const here = process.cwd();
  console.log(`load average at start: ${loadAverage()}`);
  const after = await startIngestStack();
  // startStack runs `wrangler dev` in the current directory: the before stack's is the other tree.
  process.chdir(resolve(beforeDir));
  let before: Awaited<ReturnType<typeof startIngestStack>>;
  try {
    before = await startIngestStack({
      portShift: BEFORE_SHIFT,
      externalClickHouse: { url: after.stack.clickhouseUrl, password: after.stack.password },
    });
  } finally {
    process.chdir(here);
  }
  const bare = await startBareWorker();
  try {
    const bareProcesses = () => {
      const found = workerdProcesses(bare.pid);
      if (!found) throw new Error("could not find the bare Worker's workerd process");
      return found;
    };
    const bareUrl = `${bare.url}/api/event`;
    const sides = [
      { name: 'before', stack: before.stack, find: before.processes, figures: emptySide(), stored: 0 },
      { name: 'after', stack: after.stack, find: after.processes, figures: emptySide(), stored: 0 },
    ];
    const bareSide = emptySide();
    wrk(bareUrl, wrkScript('/api/event'), 32, 3);
    for (const side of sides) {
      const url = `${side.stack.workerUrl}/api/event`;
      const warm = wrk(url, wrkScript('/api/event'), 32, 3);
      await drain(side.stack, (await rowCount(side.stack)) + warm.requests);
    }
    for (let round = 0; round < ROUNDS; round++) {
      await turn(bareSide, bareUrl, bareProcesses, CONNECTIONS);
      // The two sides swap places each round, so neither always follows the bare Worker.
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const t = await turn(
          side.figures,
          `${side.stack.workerUrl}/api/event`,
          side.find,
          CONNECTIONS,
          side.stack,
        );
        if (t.counted) side.stored += t.stored;
        else console.log(`  ${side.name} turn not counted: wrangler restarted its Worker`);
      }
      console.log(`round ${round + 1} done (load ${loadAverage()})`);
    }
    const bareCpu = bareSide.workerCpuMs / Math.max(1, bareSide.requests);
    console.log(`\nbare Worker: ${bareSide.rps.toFixed(0)} req/s, ${bareCpu.toFixed(3)} ms CPU per request`);
    for (const side of sides) {
      const cpu = side.figures.workerCpuMs / Math.max(1, side.stored);
      console.log(
        `${side.name}: ${perEvent(side.figures, side.stored)}; ÷ bare: throughput ${(side.figures.rps / Math.max(1e-9, bareSide.rps)).toFixed(2)}, CPU ${(cpu / Math.max(1e-9, bareCpu)).toFixed(2)}`,
      );
    }
    console.log(`load average at end: ${loadAverage()}`);
  } finally {
    bare.close();
    await before.stack.close();
    await after.stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
