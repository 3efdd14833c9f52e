import { sealDays } from '../../functions/stats/seal';
import { meterUsage } from '../billing/metering';
import { maintenanceClickhouse } from '../clickhouse/client';
import { configOf } from '../config';
import { hardDeleteSites } from '../cron/site-deletion';
import { rotateSalts } from '../ingest/salts';
import { log } from '../observability/log';
import { type Job, quarterHour } from './job';

/** The jobs the crons ran before the dispatcher: each is idempotent by itself, so its period is the slot. */

export const saltsJob: Job = {
  name: 'salts',
  description:
    "Creates today's and tomorrow's visitor-id salts and deletes salts older than 48 h (runs on every trigger).",
  intervalMinutes: 15,
  timeoutMs: 30_000,
  period: quarterHour,
  async run({ env, now }) {
    const { deleted } = await rotateSalts(env.DB, now);
    return { items: deleted, detail: `deleted ${deleted}` };
  },
};

export const sealDaysJob: Job = {
  name: 'seal_days',
  description: 'Turns ended days into sealed daily rows for fast dashboards; late events re-seal a day.',
  intervalMinutes: 15,
  timeoutMs: 5 * 60_000,
  period: quarterHour,
  async run({ env, now }) {
    const maxDays = configOf(env).sealDaysPerRun;
    // Unsealed days are read from the hourly rollups: slower, never wrong.
    if (maxDays === 0) return { items: 0, detail: 'off (SEAL_DAYS_PER_RUN=0)' };
    // Sealing writes `stats_*` and deletes superseded versions: the maintenance user's grants.
    const result = await sealDays(maintenanceClickhouse(env), now, { maxDays });
    log('info', 'days sealed', {
      siteDays: result.sealed,
      days: result.days.length,
      pending: result.pending,
    });
    return { items: result.sealed, detail: `${result.days.join(' ')} (${result.pending} pending)` };
  },
};

export const meteringJob: Job = {
  name: 'metering',
  description:
    'Counts each billing period again, stores usage and soft-limit states, sends quota mails (docs/billing.md).',
  intervalMinutes: 15,
  timeoutMs: 5 * 60_000,
  period: quarterHour,
  async run({ env, now }) {
    // Ingest keeps deciding from the last stored states; the next run counts the period again.
    const result = await meterUsage(env, now);
    const { states } = result;
    const detail = `${result.profiles} profiles, ${result.sites} sites; ok ${states.ok}, warning ${states.warning}, grace ${states.grace}, over ${states.over}; mails: ${result.warningMails} warning, ${result.depletedMails} depleted, ${result.mailFailures} failed`;
    log('info', 'usage metered', { ...result });
    // A mail that failed is sent by a later run (the period state remembers what went out).
    if (result.mailFailures > 0) throw new Error(`quota mails failed: ${detail}`);
    return { items: result.profiles, detail };
  },
};

export const siteDeletionJob: Job = {
  name: 'site_deletion',
  description: 'Removes sites deleted over 72 h ago: their ClickHouse rows, then their D1 rows.',
  intervalMinutes: 15,
  timeoutMs: 5 * 60_000,
  period: quarterHour,
  async run({ env, now }) {
    const { deleted } = await hardDeleteSites(env, now);
    return { items: deleted, detail: `deleted ${deleted}` };
  },
};
