import { createScheduledController } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { runScheduled } from '../../../workers/cron/scheduled';
import type { Env } from '../../../workers/env';
import { dispatch } from '../../../workers/jobs/dispatcher';
import { type Job, quarterHour, type Transport, utcDate } from '../../../workers/jobs/job';
import { claimOnce } from '../../../workers/jobs/ledger';
import { jobMonitor } from '../../../workers/jobs/monitor-job';
import { allJobs, TRIGGERS } from '../../../workers/jobs/registry';
import wranglerToml from '../../../wrangler.toml?raw';
import { outboxMails } from '../helpers/accounts';
import { testEnv, workerFetch } from '../helpers/stack';

const MINUTE = 60_000;
let counter = 0;

function unique(prefix: string): string {
  counter++;
  return `${prefix}_${Date.now().toString(36)}${counter}`;
}

/** A job under test: counts its runs, throws while `fail` says so. */
function testJob(options: Partial<Job> & { fail?: () => boolean; onRun?: () => Promise<void> } = {}) {
  const calls: string[] = [];
  const job: Job = {
    name: unique('test_job'),
    description: 'a job under test',
    intervalMinutes: 15,
    timeoutMs: 5_000,
    period: quarterHour,
    ...options,
    async run(context) {
      calls.push(context.period);
      await options.onRun?.();
      if (options.fail?.()) throw new Error('disk on fire');
      return { items: 3, detail: 'did three things' };
    },
  };
  return { job, calls };
}

/** A transport that records every call and answers 200. */
function recorder() {
  const calls: { url: string; method: string; body: string }[] = [];
  const transport: Transport = async (url, init) => {
    calls.push({ url, method: init.method ?? 'GET', body: typeof init.body === 'string' ? init.body : '' });
    return new Response('ok');
  };
  return { calls, transport };
}

/** The environment of an operator who set STAFF_EMAIL and a webhook. */
function operatorEnv(extra: Record<string, string> = {}): { env: Env; staff: string } {
  const staff = `${unique('ops')}@example.com`;
  return {
    staff,
    env: {
      ...testEnv,
      STAFF_EMAIL: staff,
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/x',
      ...extra,
    },
  };
}

function mailsTo(address: string) {
  return outboxMails(address);
}

async function runsOf(job: string) {
  const { results } = await testEnv.DB.prepare(
    'SELECT period, status, error, items, detail, attempts, started_at, finished_at FROM job_runs WHERE job = ?1 ORDER BY started_at',
  )
    .bind(job)
    .all<{
      period: string;
      status: string;
      error: string | null;
      items: number;
      detail: string;
      attempts: number;
    }>();
  return results;
}

describe('the job dispatcher', () => {
  it('runs a (job, period) once: a second trigger in the same period does nothing twice', async () => {
    const { job, calls } = testJob({ period: utcDate });
    const t = Date.parse('2031-02-03T00:15:00Z');
    const first = await dispatch(testEnv, '*/15 * * * *', t, [job]);
    const again = await dispatch(testEnv, '*/15 * * * *', t + 15 * MINUTE, [job]);
    expect(first).toEqual([{ job: job.name, period: '2031-02-03', status: 'ok', items: 3 }]);
    expect(again).toEqual([{ job: job.name, period: '2031-02-03', status: 'skipped' }]);
    expect(calls).toEqual(['2031-02-03']);
    const runs = await runsOf(job.name);
    expect(runs).toMatchObject([
      { period: '2031-02-03', status: 'ok', items: 3, detail: 'did three things', attempts: 1 },
    ]);
    // The next day is a new period.
    await dispatch(testEnv, '*/15 * * * *', t + 86_400_000, [job]);
    expect(calls).toEqual(['2031-02-03', '2031-02-04']);
  });

  it('skips a job that is not due, and records nothing for it', async () => {
    const { job, calls } = testJob({ period: () => null });
    const outcome = await dispatch(testEnv, '*/15 * * * *', Date.parse('2031-02-05T10:00:00Z'), [job]);
    expect(outcome).toEqual([{ job: job.name, period: null, status: 'not_due' }]);
    expect(calls).toEqual([]);
    expect(await runsOf(job.name)).toEqual([]);
  });

  it('leaves a run that is still going alone, and takes over one whose Worker died', async () => {
    const { job, calls } = testJob();
    const t = Date.parse('2031-02-06T10:00:00Z');
    await testEnv.DB.prepare(
      "INSERT INTO job_runs (job, period, started_at, status) VALUES (?1, ?2, ?3, 'running')",
    )
      .bind(job.name, quarterHour(t), t)
      .run();
    expect((await dispatch(testEnv, '*/15 * * * *', t + 1_000, [job]))[0]?.status).toBe('skipped');
    // Twice the timeout later, the run is taken as dead and run again.
    expect((await dispatch(testEnv, '*/15 * * * *', t + 11_000, [job]))[0]?.status).toBe('ok');
    expect(calls).toHaveLength(1);
    expect((await runsOf(job.name))[0]).toMatchObject({ status: 'ok', attempts: 2 });
  });

  it('a throwing job does not stop the others; it alerts the operator once, then sends one recovery notice', async () => {
    let failing = true;
    const broken = testJob({ fail: () => failing });
    const after = testJob();
    const { env, staff } = operatorEnv();
    const hook = recorder();
    const t = Date.parse('2031-02-07T10:00:00Z');

    const outcomes = await dispatch(env, '*/15 * * * *', t, [broken.job, after.job], {
      transport: hook.transport,
    });
    expect(outcomes.map((o) => o.status)).toEqual(['error', 'ok']);
    expect(outcomes[0]?.error).toBe('Error: disk on fire');
    expect(after.calls).toHaveLength(1);
    expect(await runsOf(broken.job.name)).toMatchObject([{ status: 'error', error: 'Error: disk on fire' }]);

    // Failing again (the retry in the same period, then the next period): no new alert.
    await dispatch(env, '*/15 * * * *', t + 5 * MINUTE, [broken.job], { transport: hook.transport });
    await dispatch(env, '*/15 * * * *', t + 15 * MINUTE, [broken.job], { transport: hook.transport });
    expect(broken.calls).toHaveLength(3);
    expect((await runsOf(broken.job.name))[0]).toMatchObject({ status: 'error', attempts: 2 });

    let mails = await mailsTo(staff);
    expect(mails.map((m) => [m.kind, m.subject])).toEqual([
      ['job_alert', `[Edgebear] Job ${broken.job.name} failed`],
    ]);
    expect(mails[0]?.text).toContain('disk on fire');
    expect(hook.calls).toHaveLength(1);
    expect(hook.calls[0]?.url).toBe('https://hooks.example.com/services/T0/B0/x');
    const payload = JSON.parse(hook.calls[0]?.body ?? '{}') as { text?: string };
    expect(payload.text).toContain(`Job ${broken.job.name} failed`);

    failing = false;
    await dispatch(env, '*/15 * * * *', t + 30 * MINUTE, [broken.job], { transport: hook.transport });
    await dispatch(env, '*/15 * * * *', t + 45 * MINUTE, [broken.job], { transport: hook.transport });
    mails = await mailsTo(staff);
    expect(mails.map((m) => m.kind)).toEqual(['job_alert', 'job_recovered']);
    expect(hook.calls.map((c) => (JSON.parse(c.body) as { text: string }).text.split('\n')[0])).toEqual([
      `:rotating_light: *Job ${broken.job.name} failed*`,
      `:white_check_mark: *Job ${broken.job.name} recovered*`,
    ]);
  });

  it('records a job that outlives its timeout as failed and goes on', async () => {
    const slow = testJob({ timeoutMs: 50, onRun: () => new Promise((r) => setTimeout(r, 1_000)) });
    const next = testJob();
    const outcomes = await dispatch(testEnv, '*/15 * * * *', Date.parse('2031-02-08T10:00:00Z'), [
      slow.job,
      next.job,
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['error', 'ok']);
    expect(outcomes[0]?.error).toBe('JobTimeoutError: timed out after 50 ms');
  });

  it('pings the heartbeat URL of a job after each success, and not after a failure', async () => {
    let failing = false;
    const { job } = testJob({ fail: () => failing });
    const hook = recorder();
    const env = {
      ...testEnv,
      [`HEARTBEAT_URL_${job.name.toUpperCase()}`]: 'https://hc-ping.example.com/abc',
    };
    const t = Date.parse('2031-02-09T10:00:00Z');
    await dispatch(env, '*/15 * * * *', t, [job], { transport: hook.transport });
    failing = true;
    await dispatch(env, '*/15 * * * *', t + 15 * MINUTE, [job], { transport: hook.transport });
    expect(hook.calls).toEqual([{ url: 'https://hc-ping.example.com/abc', method: 'GET', body: '' }]);
  });
});

describe('the late check (job_monitor)', () => {
  it('alerts once when a job has not succeeded for twice its interval, and sends a recovery when it runs', async () => {
    const { job } = testJob();
    const { env, staff } = operatorEnv();
    const hook = recorder();
    const t = Date.parse('2031-03-01T10:00:00Z');
    await dispatch(env, '*/15 * * * *', t, [job], { transport: hook.transport });

    // The monitor itself, with the test job among the jobs it watches.
    const watcher = { ...jobMonitor(() => [job]), name: unique('monitor') };

    // 30 minutes without a success is exactly twice the interval: not late yet.
    await dispatch(env, '*/15 * * * *', t + 30 * MINUTE, [watcher], { transport: hook.transport });
    expect(await mailsTo(staff)).toEqual([]);
    // Missed triggers: 45 and 60 minutes later, still nothing from the job.
    await dispatch(env, '*/15 * * * *', t + 45 * MINUTE, [watcher], { transport: hook.transport });
    await dispatch(env, '*/15 * * * *', t + 60 * MINUTE, [watcher], { transport: hook.transport });
    let mails = await mailsTo(staff);
    expect(mails.map((m) => [m.kind, m.subject])).toEqual([
      ['job_alert', `[Edgebear] Job ${job.name} is late`],
    ]);
    expect(mails[0]?.text).toContain('has not succeeded for over 45 minutes');

    await dispatch(env, '*/15 * * * *', t + 75 * MINUTE, [job], { transport: hook.transport });
    mails = await mailsTo(staff);
    expect(mails.map((m) => m.kind)).toEqual(['job_alert', 'job_recovered']);
    expect(hook.calls).toHaveLength(2);
  });
});

describe('triggers', () => {
  it('the registry knows exactly the cron triggers of wrangler.toml', () => {
    const line = wranglerToml.split('\n').find((l) => l.startsWith('crons = '));
    const crons = JSON.parse(line?.slice('crons = '.length) ?? '[]') as string[];
    expect(Object.keys(TRIGGERS).sort()).toEqual([...crons].sort());
    // Every job has a unique name and is somewhere on a trigger.
    const names = allJobs().map((j) => j.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('an unknown cron runs nothing', async () => {
    expect(
      await runScheduled(createScheduledController({ cron: '1 2 3 4 5', scheduledTime: 0 }), testEnv),
    ).toEqual([]);
  });

  it('the 15-minute trigger runs each job of its list, the monitor last', async () => {
    const outcomes = await runScheduled(
      createScheduledController({ cron: '*/15 * * * *', scheduledTime: Date.parse('2031-04-01T09:00:00Z') }),
      testEnv,
    );
    const names = (TRIGGERS['*/15 * * * *'] ?? []).map((j) => j.name);
    expect(outcomes.map((o) => o.job)).toEqual(names);
    expect(names.at(-1)).toBe('job_monitor');
    expect(outcomes.filter((o) => o.status === 'error')).toEqual([]);
  });
});

describe('the notification ledger', () => {
  it('claims a key once, and a released key can be claimed again', async () => {
    const key = unique('report:daily:1:a@example.com:2031-01-01');
    const first = await claimOnce(testEnv.DB, key, Date.now());
    const second = await claimOnce(testEnv.DB, key, Date.now());
    expect([first.claimed, second.claimed]).toEqual([true, false]);
    await first.release();
    expect((await claimOnce(testEnv.DB, key, Date.now())).claimed).toBe(true);
  });
});

describe('GET /admin/api/jobs', () => {
  it('needs the admin token', async () => {
    expect((await workerFetch('/admin/api/jobs')).status).toBe(401);
  });

  it("shows each job's last run, last success, status, duration and next due", async () => {
    await runScheduled(
      createScheduledController({ cron: '*/15 * * * *', scheduledTime: Date.now() - 60_000 }),
      testEnv,
    );
    const response = await workerFetch('/admin/api/jobs', {
      headers: { authorization: 'Bearer test-admin-token' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      jobs: {
        name: string;
        status: string;
        triggers: string[];
        last_run: { status: string; duration_ms: number | null } | null;
        last_success_at: string | null;
        next_due: string | null;
      }[];
    };
    const names = body.jobs.map((j) => j.name);
    expect(names).toEqual(allJobs().map((j) => j.name));
    const salts = body.jobs.find((j) => j.name === 'salts');
    expect(salts).toMatchObject({ status: 'ok', triggers: ['*/15 * * * *', '5 0 * * *'] });
    expect(salts?.last_run?.status).toBe('ok');
    expect(salts?.last_run?.duration_ms).toBeGreaterThanOrEqual(0);
    expect(salts?.last_success_at).not.toBeNull();
    const nextDue = Date.parse(salts?.next_due ?? '');
    expect(nextDue).toBeGreaterThan(Date.now());
    expect(nextDue - Date.now()).toBeLessThanOrEqual(15 * MINUTE);
  });

  it('runs one job by hand, honouring its idempotency', async () => {
    const auth = { authorization: 'Bearer test-admin-token' };
    const missing = await workerFetch('/admin/api/jobs/no_such_job/run', { method: 'POST', headers: auth });
    expect(missing.status).toBe(404);
    expect((await workerFetch('/admin/api/jobs/salts/run', { method: 'POST' })).status).toBe(401);
    const first = await workerFetch('/admin/api/jobs/job_monitor/run', { method: 'POST', headers: auth });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { status: string }).status).toMatch(/^(ok|skipped)$/);
    const again = await workerFetch('/admin/api/jobs/job_monitor/run', { method: 'POST', headers: auth });
    expect(((await again.json()) as { status: string }).status).toBe('skipped');
  });
});
