import { type Job, quarterHour } from './job';
import { pruneLedger } from './ledger';
import { checkLateJobs } from './monitor';

/** Days of `job_runs` kept for /admin/api/jobs and debugging. */
const RUNS_KEPT_DAYS = 30;

/**
 * The last job of the 15-minute trigger: alerts on jobs that have not succeeded for twice their
 * interval, and prunes old run rows and ledger keys. It leaves itself out: a monitor that runs is
 * on time by definition, and a stopped cron cannot report itself. That is what the heartbeat URL
 * (HEARTBEAT_URL_JOB_MONITOR) and an outside monitor are for.
 */
export function jobMonitor(jobs: () => Job[]): Job {
  const name = 'job_monitor';
  return {
    name,
    description:
      'Alerts the operator about jobs with no success for twice their interval; prunes job_runs (30 days) and the notification ledger.',
    intervalMinutes: 15,
    timeoutMs: 60_000,
    period: quarterHour,
    async run({ env, now, transport }) {
      const late = await checkLateJobs(
        env,
        jobs().filter((job) => job.name !== name),
        now,
        transport,
      );
      await env.DB.prepare('DELETE FROM job_runs WHERE started_at < ?1')
        .bind(now - RUNS_KEPT_DAYS * 86_400_000)
        .run();
      await pruneLedger(env.DB, now);
      return { items: late.length, detail: late.length ? `late: ${late.join(' ')}` : 'all on time' };
    },
  };
}
