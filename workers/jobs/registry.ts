import { meteringJob, saltsJob, sealDaysJob, siteDeletionJob } from './builtin';
import type { Job } from './job';
import { jobMonitor } from './monitor-job';
import { reportsJob } from './reports';
import { siteAlertsJob } from './site-alerts';
import { staffDaily } from './staff-daily';

/**
 * Which cron trigger runs which jobs, in order. The keys are exactly the `crons` of wrangler.toml
 * (a test checks both ways). docs/jobs.md describes each job.
 */
/** Last on its trigger, so it sees what the jobs before it just did. */
const jobMonitorJob = jobMonitor(allJobs);

export const TRIGGERS: Record<string, Job[]> = {
  '*/15 * * * *': [
    saltsJob,
    sealDaysJob,
    meteringJob,
    siteDeletionJob,
    reportsJob,
    siteAlertsJob,
    staffDaily,
    jobMonitorJob,
  ],
  '5 0 * * *': [saltsJob],
};

/** Every job once, in trigger order. */
export function allJobs(): Job[] {
  const seen = new Map<string, Job>();
  for (const jobs of Object.values(TRIGGERS)) for (const job of jobs) seen.set(job.name, job);
  return [...seen.values()];
}

/** The cron strings that run `job`. */
export function triggersOf(name: string): string[] {
  return Object.entries(TRIGGERS)
    .filter(([, jobs]) => jobs.some((job) => job.name === name))
    .map(([cron]) => cron);
}
