import { mailerFor } from '../../functions/mail';
import { renderHtml, renderText } from '../../functions/mail/kit';
import { configOf } from '../config';
import type { Env } from '../env';
import { log } from '../observability/log';
import type { Job, Transport } from './job';

/**
 * Job monitoring (docs/jobs.md, "Alerts"): a job that fails, or has not succeeded for twice its
 * interval, opens an operator alert once (mail to STAFF_EMAIL and a POST to ALERT_WEBHOOK_URL);
 * its next success closes it with a recovery notice. `job_state.alert` is the memory: a
 * conditional update opens or closes it, so two overlapping runs never send the same alert twice.
 */

export interface OperatorAlert {
  kind: 'job_alert' | 'job_recovered';
  job: string;
  subject: string;
  lines: string[];
}

function adminUrl(env: Env): string | null {
  return env.APP_URL ? `${env.APP_URL.replace(/\/$/, '')}/admin/api/jobs` : null;
}

/**
 * Sends an operator alert by mail and webhook. Never throws: a monitor that cannot shout logs at
 * error level (and so reaches Sentry), and the job's own outcome stays recorded.
 */
export async function notifyOperator(env: Env, alert: OperatorAlert, transport: Transport): Promise<void> {
  const config = configOf(env);
  const jobsUrl = adminUrl(env);
  const delivered: string[] = [];
  if (config.staffEmail) {
    const doc = {
      preheader: alert.lines[0],
      title: alert.subject,
      blocks: [
        ...alert.lines.map((text) => ({ kind: 'paragraph' as const, text })),
        ...(jobsUrl
          ? [{ kind: 'note' as const, text: `Every job's last run: GET ${jobsUrl} (bearer ADMIN_TOKEN).` }]
          : []),
      ],
      footer: {
        text: 'You get this because STAFF_EMAIL names you as the operator of this Edgebear deployment.',
      },
    };
    try {
      await mailerFor(env).send({
        to: config.staffEmail,
        subject: `[Edgebear] ${alert.subject}`,
        text: renderText(doc),
        html: renderHtml(doc),
        kind: alert.kind,
      });
      delivered.push('mail');
    } catch (error) {
      log('error', 'operator alert mail failed', { job: alert.job, message: String(error) });
    }
  }
  if (env.ALERT_WEBHOOK_URL) {
    // Slack's incoming-webhook shape; Discord's /slack endpoint and most chat tools take it too.
    const icon = alert.kind === 'job_alert' ? ':rotating_light:' : ':white_check_mark:';
    try {
      const response = await transport(env.ALERT_WEBHOOK_URL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: `${icon} *${alert.subject}*\n${alert.lines.join('\n')}` }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      delivered.push('webhook');
    } catch (error) {
      log('error', 'operator alert webhook failed', { job: alert.job, message: String(error) });
    }
  }
  if (delivered.length === 0) {
    log('error', 'operator alert not delivered (set STAFF_EMAIL or ALERT_WEBHOOK_URL)', {
      job: alert.job,
      subject: alert.subject,
    });
  } else {
    log('warn', 'operator alert sent', { job: alert.job, kind: alert.kind, via: delivered.join(',') });
  }
}

/** `HEARTBEAT_URL_<JOB>`: e.g. HEARTBEAT_URL_SEAL_DAYS for `seal_days`. */
export function heartbeatUrl(env: Env, job: string): string | null {
  const value = (env as unknown as Record<string, unknown>)[`HEARTBEAT_URL_${job.toUpperCase()}`];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Pings the job's heartbeat URL after a success (healthchecks.io, Cronitor and the like take a GET). */
export async function pingHeartbeat(env: Env, job: string, transport: Transport): Promise<void> {
  const url = heartbeatUrl(env, job);
  if (!url) return;
  try {
    const response = await transport(url, { method: 'GET', signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    // The outside monitor sees a missed ping and alerts on its own: that is its purpose.
    log('warn', 'heartbeat ping failed', { job, message: String(error) });
  }
}

/** Records a success; closes an open alert with a recovery notice. */
export async function onSuccess(env: Env, job: Job, now: number, transport: Transport): Promise<void> {
  await env.DB.prepare(
    `UPDATE job_state SET last_run_at = ?2, last_status = 'ok', last_success_at = ?2, last_error = NULL
      WHERE job = ?1`,
  )
    .bind(job.name, now)
    .run();
  const closed = await env.DB.prepare(
    'UPDATE job_state SET alert = NULL, alerted_at = NULL WHERE job = ?1 AND alert IS NOT NULL RETURNING alerted_at',
  )
    .bind(job.name)
    .first<{ alerted_at: number | null }>();
  if (closed) {
    await notifyOperator(
      env,
      {
        kind: 'job_recovered',
        job: job.name,
        subject: `Job ${job.name} recovered`,
        lines: [`${job.name} ran successfully at ${new Date(now).toISOString()}.`],
      },
      transport,
    );
  }
  await pingHeartbeat(env, job.name, transport);
}

/** Records a failure; opens an alert unless one is open already. */
export async function onFailure(
  env: Env,
  job: Job,
  period: string,
  message: string,
  now: number,
  transport: Transport,
): Promise<void> {
  await env.DB.prepare(
    `UPDATE job_state SET last_run_at = ?2, last_status = 'error', last_error = ?3 WHERE job = ?1`,
  )
    .bind(job.name, now, message)
    .run();
  await openAlert(env, job, 'failed', now, transport, [
    `${job.name} failed at ${new Date(now).toISOString()} (period ${period}): ${message}`,
    'The next trigger retries it. You get one more mail when it succeeds again.',
  ]);
}

async function openAlert(
  env: Env,
  job: Job,
  reason: 'failed' | 'late',
  now: number,
  transport: Transport,
  lines: string[],
): Promise<boolean> {
  const opened = await env.DB.prepare(
    'UPDATE job_state SET alert = ?2, alerted_at = ?3 WHERE job = ?1 AND alert IS NULL RETURNING job',
  )
    .bind(job.name, reason, now)
    .first();
  if (!opened) return false;
  await notifyOperator(
    env,
    {
      kind: 'job_alert',
      job: job.name,
      subject: `Job ${job.name} ${reason === 'failed' ? 'failed' : 'is late'}`,
      lines,
    },
    transport,
  );
  return true;
}

interface StateRow {
  job: string;
  first_seen_at: number;
  last_success_at: number | null;
  last_run_at: number | null;
  last_status: string | null;
}

/**
 * The late check: a job with no success for twice its interval (a missed cron, a run that hangs
 * or never finishes) opens a 'late' alert. Returns the jobs found late.
 */
export async function checkLateJobs(
  env: Env,
  jobs: Job[],
  now: number,
  transport: Transport,
): Promise<string[]> {
  const { results } = await env.DB.prepare(
    'SELECT job, first_seen_at, last_success_at, last_run_at, last_status FROM job_state',
  ).all<StateRow>();
  const byName = new Map(results.map((row) => [row.job, row]));
  const late: string[] = [];
  for (const job of jobs) {
    const state = byName.get(job.name);
    if (!state) continue;
    const since = state.last_success_at ?? state.first_seen_at;
    const allowed = 2 * job.intervalMinutes * 60_000;
    if (now - since <= allowed) continue;
    late.push(job.name);
    const last = state.last_success_at ? new Date(state.last_success_at).toISOString() : 'never';
    await openAlert(env, job, 'late', now, transport, [
      `${job.name} has not succeeded for over ${Math.round((now - since) / 60_000)} minutes (expected every ${job.intervalMinutes}). Last success: ${last}.`,
      state.last_status === 'running'
        ? 'Its last run never finished.'
        : 'Check that the cron trigger still exists and that the Worker deploys cleanly.',
    ]);
  }
  return late;
}
