import type { Env } from '../env';
import { log } from '../observability/log';
import type { Job, JobResult, Transport } from './job';
import { onFailure, onSuccess } from './monitor';

/** What one trigger did with each of its jobs. */
export interface JobOutcome {
  job: string;
  /** null when the job was not due at this time. */
  period: string | null;
  /** 'skipped': the period succeeded before, or a run of it is still going. */
  status: 'ok' | 'error' | 'skipped' | 'not_due';
  items?: number;
  error?: string;
}

export interface DispatchOptions {
  /** How the monitor reaches webhooks and heartbeats; `fetch` in production. */
  transport?: Transport;
}

class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

/** Makes sure every job of the trigger has a `job_state` row: the late check counts from here. */
async function registerJobs(db: D1Database, jobs: Job[], now: number): Promise<void> {
  await db.batch(
    jobs.map((job) =>
      db
        .prepare('INSERT INTO job_state (job, first_seen_at) VALUES (?1, ?2) ON CONFLICT (job) DO NOTHING')
        .bind(job.name, now),
    ),
  );
}

/**
 * Claims (job, period) for this run. A period that succeeded is never run again; one that failed
 * is run again; one still 'running' is left alone unless it started over twice the timeout ago
 * (its Worker died mid-run), so overlapping triggers never run it twice at once.
 */
async function claimRun(db: D1Database, job: Job, period: string, now: number): Promise<boolean> {
  const row = await db
    .prepare(
      `INSERT INTO job_runs (job, period, started_at, status) VALUES (?1, ?2, ?3, 'running')
       ON CONFLICT (job, period) DO UPDATE SET
         started_at = ?3, finished_at = NULL, status = 'running', error = NULL, attempts = attempts + 1
       WHERE job_runs.status = 'error' OR (job_runs.status = 'running' AND job_runs.started_at < ?4)
       RETURNING attempts`,
    )
    .bind(job.name, period, now, now - 2 * job.timeoutMs)
    .first<{ attempts: number }>();
  if (!row) return false;
  await db
    .prepare(`UPDATE job_state SET last_run_at = ?2, last_status = 'running' WHERE job = ?1`)
    .bind(job.name, now)
    .run();
  return true;
}

async function finishRun(
  db: D1Database,
  job: Job,
  period: string,
  finishedAt: number,
  outcome: { status: 'ok'; result: JobResult } | { status: 'error'; message: string },
): Promise<void> {
  await db
    .prepare(
      `UPDATE job_runs SET finished_at = ?3, status = ?4, error = ?5, items = ?6, detail = ?7
        WHERE job = ?1 AND period = ?2`,
    )
    .bind(
      job.name,
      period,
      finishedAt,
      outcome.status,
      outcome.status === 'error' ? outcome.message.slice(0, 1000) : null,
      outcome.status === 'ok' ? outcome.result.items : 0,
      outcome.status === 'ok' ? (outcome.result.detail ?? '').slice(0, 1000) : '',
    )
    .run();
}

/** Runs the job, giving up (and aborting its signal) when its timeout passes. */
async function runWithTimeout(
  job: Job,
  env: Env,
  cron: string,
  now: number,
  period: string,
  transport: Transport,
): Promise<JobResult> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new JobTimeoutError(`timed out after ${job.timeoutMs} ms`));
      reject(new JobTimeoutError(`timed out after ${job.timeoutMs} ms`));
    }, job.timeoutMs);
  });
  try {
    return await Promise.race([
      job.run({ env, now, cron, period, signal: controller.signal, transport }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the jobs of one trigger, one after another. A job that throws or times out is recorded as
 * failed (and alerts the operator once); the jobs after it still run. Times recorded are the
 * trigger's scheduled time plus the real time a run took, so tests can drive the clock.
 */
export async function dispatch(
  env: Env,
  cron: string,
  scheduledTime: number,
  jobs: Job[],
  options: DispatchOptions = {},
): Promise<JobOutcome[]> {
  const transport: Transport = options.transport ?? ((input, init) => fetch(input, init));
  await registerJobs(env.DB, jobs, scheduledTime);
  const outcomes: JobOutcome[] = [];
  for (const job of jobs) {
    const period = job.period(scheduledTime);
    if (period === null) {
      outcomes.push({ job: job.name, period, status: 'not_due' });
      continue;
    }
    if (!(await claimRun(env.DB, job, period, scheduledTime))) {
      outcomes.push({ job: job.name, period, status: 'skipped' });
      continue;
    }
    const started = Date.now();
    try {
      const result = await runWithTimeout(job, env, cron, scheduledTime, period, transport);
      await finishRun(env.DB, job, period, scheduledTime + (Date.now() - started), { status: 'ok', result });
      await onSuccess(env, job, scheduledTime, transport);
      log('info', 'job ok', { job: job.name, period, items: result.items, ms: Date.now() - started });
      outcomes.push({ job: job.name, period, status: 'ok', items: result.items });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      log('error', 'job failed', { job: job.name, period, message });
      try {
        await finishRun(env.DB, job, period, scheduledTime + (Date.now() - started), {
          status: 'error',
          message,
        });
        await onFailure(env, job, period, message, scheduledTime, transport);
      } catch (recordError) {
        // D1 down too: the log line above is what is left; the next trigger tries again.
        log('error', 'job failure not recorded', { job: job.name, message: String(recordError) });
      }
      outcomes.push({ job: job.name, period, status: 'error', error: message });
    }
  }
  return outcomes;
}
