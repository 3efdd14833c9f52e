/**
 * CPU readings of the workerd processes a `wrangler dev` runs, for the ingest benchmark.
 *
 * `wrangler dev` starts two workerd processes: a proxy in front, and the Worker itself, which is
 * the one started with `--inspector-addr`. Both descend from the wrangler we spawned, so they are
 * found by walking /proc: every process whose argv[0] ends in `workerd` and whose chain of
 * parents reaches that wrangler's pid. CPU is utime + stime from /proc/<pid>/stat.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface WorkerdProcesses {
  /** The workerd that runs the Worker (started with --inspector-addr). */
  worker: number;
  /** Every workerd under the wrangler, the worker's included (the proxy too). */
  all: number[];
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; the fields after it are split from its closing paren.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of a process, in milliseconds (0 once it has ended). */
export function cpuMs(pid: number): number {
  try {
    const fields = statFields(pid);
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Summed CPU of several processes, in milliseconds. */
export function cpuMsOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/** The workerd processes descending from `rootPid` (a spawned `wrangler dev`), or null. */
export function workerdProcesses(rootPid: number | undefined): WorkerdProcesses | null {
  if (!rootPid) return null;
  let worker: number | null = null;
  const all: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmdline[0]?.endsWith('workerd')) continue;
      let descends = false;
      for (let pid = Number(entry); pid > 1; pid = Number(statFields(pid)[1])) {
        if (pid === rootPid) {
          descends = true;
          break;
        }
      }
      if (!descends) continue;
      all.push(Number(entry));
      if (cmdline.some((a) => a.startsWith('--inspector-addr'))) worker = Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return worker === null ? null : { worker, all };
}

/**
 * The workerd processes beside a Worker's own (same parent: the wrangler that started both), for
 * a stack that tells only the Worker's pid.
 */
export function workerdProcessesOf(workerPid: number): WorkerdProcesses {
  const parent = Number(statFields(workerPid)[1]);
  const all: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline[0]?.endsWith('workerd') && Number(statFields(Number(entry))[1]) === parent)
        all.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return { worker: workerPid, all };
}
