import { sealDays } from '../../functions/stats/seal';
import { meterUsage } from '../billing/metering';
import { clickhouse } from '../clickhouse/client';
import { configOf } from '../config';
import type { Env } from '../env';
import { rotateSalts } from '../ingest/salts';
import { log } from '../observability/log';
import { hardDeleteSites } from './site-deletion';

async function recordRun(
  db: D1Database,
  job: string,
  status: string,
  detail: string,
  nowMs: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO job_runs (job, last_run_at, last_status, detail) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (job) DO UPDATE SET last_run_at = ?2, last_status = ?3, detail = ?4`,
    )
    .bind(job, Math.floor(nowMs / 1000), status, detail)
    .run();
}

/**
 * Cron triggers. Salt rotation is idempotent, so it runs on every trigger: the daily one at 00:05
 * UTC, and the 15-minute one as a safety net should a daily run be missed.
 */
export async function runScheduled(
  controller: Pick<ScheduledController, 'cron' | 'scheduledTime'>,
  env: Env,
): Promise<void> {
  const now = controller.scheduledTime;
  try {
    const { deleted } = await rotateSalts(env.DB, now);
    await recordRun(env.DB, 'salts', 'ok', `deleted ${deleted}`, now);
    log('info', 'salts rotated', { cron: controller.cron, deleted });
  } catch (error) {
    await recordRun(env.DB, 'salts', 'error', error instanceof Error ? error.message : 'unknown', now);
    throw error;
  }
  if (controller.cron === '*/15 * * * *') {
    // Ended days become plain numbers for fast dashboards; late events re-seal a day.
    const maxDays = configOf(env).sealDaysPerRun;
    if (maxDays > 0) {
      try {
        const result = await sealDays(clickhouse(env), now, { maxDays });
        await recordRun(
          env.DB,
          'seal_days',
          'ok',
          `${result.days.join(' ')} (${result.pending} pending)`,
          now,
        );
        log('info', 'days sealed', {
          siteDays: result.sealed,
          days: result.days.length,
          pending: result.pending,
        });
      } catch (error) {
        // Unsealed days are read from the hourly rollups: slower, never wrong. The next run retries.
        const message = error instanceof Error ? error.message : 'unknown';
        await recordRun(env.DB, 'seal_days', 'error', message, now);
        log('error', 'sealing days failed', { message });
      }
    }
    // Usage per billing period into D1, soft-limit states and mails (workers/billing/metering.ts).
    // Each run counts the whole period again, so a failed or missed run is caught up by the next.
    try {
      const result = await meterUsage(env, now);
      const { states } = result;
      await recordRun(
        env.DB,
        'metering',
        result.mailFailures > 0 ? 'error' : 'ok',
        `${result.profiles} profiles, ${result.sites} sites; ok ${states.ok}, warning ${states.warning}, grace ${states.grace}, over ${states.over}; mails: ${result.warningMails} warning, ${result.depletedMails} depleted, ${result.mailFailures} failed`,
        now,
      );
      log('info', 'usage metered', { ...result });
    } catch (error) {
      // Ingest keeps deciding from the last stored states; the next run counts the period again.
      const message = error instanceof Error ? error.message : 'unknown';
      await recordRun(env.DB, 'metering', 'error', message, now);
      log('error', 'metering failed', { message });
    }
    // Sites soft-deleted over 72 h ago lose their ClickHouse data and D1 rows (idempotent).
    try {
      const { deleted } = await hardDeleteSites(env, now);
      await recordRun(env.DB, 'site_deletion', 'ok', `deleted ${deleted}`, now);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unknown';
      await recordRun(env.DB, 'site_deletion', 'error', message, now);
      throw error;
    }
  }
}
