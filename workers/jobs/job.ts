import type { Env } from '../env';

/** How jobs reach outside services (webhooks, heartbeats): `fetch` in production, a recorder in tests. */
export type Transport = (input: string, init: RequestInit) => Promise<Response>;

/** What a job gets for one run. */
export interface JobContext {
  env: Env;
  /** The trigger's scheduledTime, ms. Jobs decide what is due from it, never from Date.now(). */
  now: number;
  /** The cron string of the trigger that started this run. */
  cron: string;
  /** The period this run covers: what `Job.period(now)` returned. */
  period: string;
  /** Aborted when the job's timeout passes: pass it to fetches, check it between items. */
  signal: AbortSignal;
  /** Use it instead of the global fetch for calls to outside services, so tests can see them. */
  transport: Transport;
}

export interface JobResult {
  /** Items done: rows, sites, mails; whatever the job counts. */
  items: number;
  /** One line for `job_runs.detail` and /admin/api/jobs. */
  detail?: string;
}

/**
 * A scheduled job (docs/jobs.md). The dispatcher (workers/jobs/dispatcher.ts) runs the jobs of a
 * cron trigger one after another; `workers/jobs/registry.ts` says which trigger runs which job.
 */
export interface Job {
  /** snake_case and unique: the key of `job_runs`, `job_state` and `HEARTBEAT_URL_<NAME>`. */
  name: string;
  /** One line for docs/jobs.md and /admin/api/jobs. */
  description: string;
  /** Expected minutes between successful runs: the monitor alerts after twice this without one. */
  intervalMinutes: number;
  /** A run still going after this long is recorded as failed and its signal aborted. */
  timeoutMs: number;
  /**
   * The idempotency period of a run at `now` (the UTC date of a daily job, the 15-minute slot of
   * one that runs every trigger), or null when the job is not due at `now`: then nothing runs and
   * nothing is recorded. A (job, period) that succeeded is never run again; a failed one is
   * retried by the next trigger in the same period.
   */
  period(now: number): string | null;
  run(context: JobContext): Promise<JobResult>;
}

const SLOT_MS = 15 * 60_000;

/** The 15-minute slot of `now` as an ISO minute: '2026-12-03T10:15Z'. */
export function quarterHour(now: number): string {
  return `${new Date(Math.floor(now / SLOT_MS) * SLOT_MS).toISOString().slice(0, 16)}Z`;
}

/** The UTC date of `now`: '2026-12-03'. */
export function utcDate(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}
