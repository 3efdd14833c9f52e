import { Cron } from 'croner';
import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { dispatch } from '../../workers/jobs/dispatcher';
import type { Job } from '../../workers/jobs/job';
import { allJobs, triggersOf } from '../../workers/jobs/registry';
import { ApiError } from '../errors';
import { bearer } from './bearer';

interface RunRow {
  job: string;
  period: string;
  started_at: number;
  finished_at: number | null;
  status: string;
  error: string | null;
  items: number;
  detail: string;
  attempts: number;
}

interface StateRow {
  job: string;
  first_seen_at: number;
  last_success_at: number | null;
  alert: string | null;
  alerted_at: number | null;
}

/** Trigger times looked at for the next due run: two days of 15-minute triggers. */
const LOOKAHEAD_TRIGGERS = 200;

/**
 * When the job next runs: the first coming trigger time at which it is due (its period is not
 * null) for a period it has not already done. Null when none comes within the look-ahead.
 */
export function nextDue(job: Job, crons: string[], now: number, donePeriods: Set<string>): number | null {
  const times: number[] = [];
  for (const cron of crons) {
    const schedule = new Cron(cron, { timezone: 'UTC', paused: true });
    let from = new Date(now);
    for (let i = 0; i < LOOKAHEAD_TRIGGERS; i++) {
      const next = schedule.nextRun(from);
      if (!next) break;
      times.push(next.getTime());
      from = next;
    }
  }
  times.sort((a, b) => a - b);
  for (const time of times) {
    const period = job.period(time);
    if (period !== null && !donePeriods.has(period)) return time;
  }
  return null;
}

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

/**
 * `GET /admin/api/jobs` (bearer ADMIN_TOKEN): every job with its schedule, last run, last success,
 * status and when it is next due. Status: 'ok', 'failed' (last run threw), 'late' (no success for
 * twice its interval), 'running', or 'never_run'.
 */
export const jobRoutes = new Hono<{ Bindings: Env }>();

jobRoutes.get(
  '/admin/api/jobs',
  bearer((env) => env.ADMIN_TOKEN),
  async (c) => {
    const now = Date.now();
    const [runs, states] = await c.env.DB.batch([
      // The latest run of each job, and the periods it finished well in the last two days.
      c.env.DB.prepare(
        `SELECT job, period, started_at, finished_at, status, error, items, detail, attempts
           FROM job_runs WHERE started_at >= ?1 ORDER BY started_at DESC`,
      ).bind(now - 2 * 86_400_000),
      c.env.DB.prepare('SELECT job, first_seen_at, last_success_at, alert, alerted_at FROM job_state'),
    ]);
    const runRows = (runs?.results ?? []) as RunRow[];
    const stateRows = new Map(((states?.results ?? []) as StateRow[]).map((row) => [row.job, row]));
    const jobs = allJobs().map((job) => {
      const mine = runRows.filter((run) => run.job === job.name);
      const last = mine[0] ?? null;
      const state = stateRows.get(job.name);
      const done = new Set(mine.filter((run) => run.status === 'ok').map((run) => run.period));
      const crons = triggersOf(job.name);
      const since = state?.last_success_at ?? state?.first_seen_at ?? null;
      const late = since !== null && now - since > 2 * job.intervalMinutes * 60_000;
      const status =
        last === null && !state?.last_success_at
          ? late
            ? 'late'
            : 'never_run'
          : last?.status === 'running'
            ? 'running'
            : last?.status === 'error'
              ? 'failed'
              : late
                ? 'late'
                : 'ok';
      return {
        name: job.name,
        description: job.description,
        triggers: crons,
        interval_minutes: job.intervalMinutes,
        timeout_ms: job.timeoutMs,
        status,
        alert_open: state?.alert ?? null,
        last_run: last && {
          period: last.period,
          status: last.status,
          started_at: iso(last.started_at),
          finished_at: iso(last.finished_at),
          duration_ms: last.finished_at === null ? null : last.finished_at - last.started_at,
          items: last.items,
          detail: last.detail,
          error: last.error,
          attempts: last.attempts,
        },
        last_success_at: iso(state?.last_success_at),
        next_due: iso(nextDue(job, crons, now, done)),
      };
    });
    return c.json({ now: iso(now), jobs });
  },
);

/**
 * `POST /admin/api/jobs/:name/run` (bearer ADMIN_TOKEN): runs one job now, as its trigger would,
 * idempotency included (a period that succeeded is skipped). Answers the job's outcome.
 */
jobRoutes.post(
  '/admin/api/jobs/:name/run',
  bearer((env) => env.ADMIN_TOKEN),
  async (c) => {
    const job = allJobs().find((j) => j.name === c.req.param('name'));
    if (!job)
      throw new ApiError(
        404,
        'not_found',
        `no job named "${c.req.param('name')}" (GET /admin/api/jobs lists them)`,
      );
    const [outcome] = await dispatch(c.env, 'manual', Date.now(), [job]);
    return c.json(outcome);
  },
);
