import type { Env } from '../env';
import { type DispatchOptions, dispatch, type JobOutcome } from '../jobs/dispatcher';
import { TRIGGERS } from '../jobs/registry';
import { log } from '../observability/log';

/**
 * Cron triggers: each cron string of wrangler.toml runs its list of jobs (workers/jobs/registry.ts)
 * through the dispatcher. Returns what each job did; `scheduled()` turns failures into a thrown
 * error after every job has had its turn, so the platform marks the invocation failed too.
 */
export async function runScheduled(
  controller: Pick<ScheduledController, 'cron' | 'scheduledTime'>,
  env: Env,
  options: DispatchOptions = {},
): Promise<JobOutcome[]> {
  const jobs = TRIGGERS[controller.cron];
  if (!jobs) {
    // A trigger in wrangler.toml that the registry does not know: say so loudly, run nothing.
    log('error', 'unknown cron trigger', { cron: controller.cron });
    return [];
  }
  return dispatch(env, controller.cron, controller.scheduledTime, jobs, options);
}
