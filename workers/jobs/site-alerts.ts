/**
 * `site_alerts`: site owners' traffic and web-vitals alerts (functions/alerts), on the 15-minute
 * trigger. For every live site with an alert on and a recipient:
 *
 * - spike, every run: more current visitors (the dashboard's last 5 minutes) than the threshold;
 * - drop and vitals, once a day in the site's morning (the reports' window, 07:00–12:59, so a missed
 *   run is caught up), when yesterday is complete: yesterday's visitors under ratio × the median of
 *   the 4 same weekdays before, and yesterday's p75 LCP, INP or CLS in a worse band than the 7 days
 *   before. A check that ran to the end is remembered in the ledger (`alert-checked:…`), so the
 *   morning's later runs ask ClickHouse nothing; a check that failed is tried again.
 *
 * Each kind goes out at most once per site and local day: the ledger key
 * `alert:<kind>:<site>:<local date>` decides it fired, and `…:<recipient>` that a recipient got it,
 * so a send that fails is retried by the next run for the recipients still waiting and nobody gets
 * it twice. A site that fails does not stop the others; the run then ends in an error (retried by
 * the next trigger, and the job monitor sees it).
 */
import { dropEmail, spikeEmail, vitalsEmail } from '../../functions/alerts/emails';
import type { AlertKind } from '../../functions/alerts/settings';
import {
  currentVisitors,
  dropDays,
  trafficDrop,
  VITALS_BASELINE_DAYS,
  visitorsByDay,
  vitalsRegressions,
  vitalsWindows,
} from '../../functions/alerts/signals';
import { type AlertingSite, alertingSites } from '../../functions/alerts/store';
import { unsubscribeUrl } from '../../functions/alerts/unsubscribe';
import { type Mailer, type MailMessage, mailerFor } from '../../functions/mail';
import { MORNING } from '../../functions/reports/periods';
import { appUrl } from '../../functions/sites/store';
import { addDays, localDay, zoneOffsetMs } from '../../functions/stats/dates';
import { type Executor, PLANNER_SETTINGS } from '../../functions/stats/run';
import { readExecutor } from '../clickhouse/read';
import { configOf } from '../config';
import type { Env } from '../env';
import { log } from '../observability/log';
import { type Job, type JobContext, type JobResult, quarterHour } from './job';
import { claimOnce, isClaimed } from './ledger';

/** Sites read from D1 per page. */
const PAGE = 200;

interface Run {
  env: Env;
  now: number;
  /** Made on the first send: a run that sends nothing needs no mail provider. */
  mailer: () => Mailer;
  stats: Executor;
  performance: Executor;
  app: string;
}

/** The site's local date and hour at `now`. */
function localClock(now: number, timezone: string): { date: string; hour: number } {
  const local = new Date(now + zoneOffsetMs(now, timezone));
  return { date: localDay(now, timezone), hour: local.getUTCHours() };
}

function siteKey(kind: AlertKind, siteId: number, date: string): string {
  return `alert:${kind}:${siteId}:${date}`;
}

/**
 * Sends one alert to every recipient, once: the site key says it fired today, a recipient key
 * that this recipient has it. On a failed send both are released for the recipients still waiting,
 * so the next run (if the alert still holds) sends to them only.
 */
async function deliver(
  run: Run,
  kind: AlertKind,
  site: AlertingSite,
  date: string,
  compose: (to: string) => Promise<MailMessage>,
): Promise<number> {
  const db = run.env.DB;
  const key = siteKey(kind, site.id, date);
  const fired = await claimOnce(db, key, run.now);
  if (!fired.claimed) return 0;
  let sent = 0;
  let failure: unknown = null;
  for (const to of site.settings.recipients) {
    const claim = await claimOnce(db, `${key}:${to}`, run.now);
    if (!claim.claimed) continue;
    try {
      await run.mailer().send(await compose(to));
      sent++;
    } catch (error) {
      await claim.release();
      failure ??= error;
    }
  }
  if (failure !== null) {
    await fired.release();
    throw failure;
  }
  log('info', 'site alert sent', { kind, site: site.id, recipients: sent });
  return sent;
}

function dashboardUrl(
  run: Run,
  siteId: number,
  range: { from: string; to: string } | 'day',
  hash = '',
): string {
  const search = new URLSearchParams(
    range === 'day' ? { period: 'day' } : { period: 'custom', from: range.from, to: range.to },
  );
  return `${run.app}/sites/${siteId}?${search}${hash}`;
}

async function linksFor(run: Run, site: AlertingSite, to: string, dashboard: string) {
  return {
    dashboard,
    settings: `${run.app}/sites/${site.id}/settings#alerts`,
    unsubscribe: await unsubscribeUrl(run.env, site.id, to),
  };
}

async function checkSpike(run: Run, site: AlertingSite, date: string): Promise<number> {
  const { threshold } = site.settings.spike;
  if (await isClaimed(run.env.DB, siteKey('spike', site.id, date))) return 0;
  const visitors = await currentVisitors(run.stats, site, run.now);
  if (visitors <= threshold) return 0;
  const dashboard = dashboardUrl(run, site.id, 'day');
  return deliver(run, 'spike', site, date, async (to) =>
    spikeEmail(to, site, { visitors, threshold }, await linksFor(run, site, to, dashboard)),
  );
}

async function checkDrop(run: Run, site: AlertingSite, date: string): Promise<number> {
  if (await isClaimed(run.env.DB, siteKey('drop', site.id, date))) return 0;
  const yesterday = addDays(date, -1);
  const { first, last } = dropDays(yesterday);
  const days = await visitorsByDay(run.stats, site, first, last, run.now);
  const drop = trafficDrop(days, yesterday, site.settings.drop.ratio);
  if (!drop) return 0;
  const dashboard = dashboardUrl(run, site.id, { from: yesterday, to: yesterday });
  return deliver(run, 'drop', site, date, async (to) =>
    dropEmail(to, site, drop, await linksFor(run, site, to, dashboard)),
  );
}

async function checkVitals(run: Run, site: AlertingSite, date: string): Promise<number> {
  if (await isClaimed(run.env.DB, siteKey('vitals', site.id, date))) return 0;
  const yesterday = addDays(date, -1);
  const { current, baseline } = await vitalsWindows(run.performance, site, yesterday, run.now);
  const regressions = vitalsRegressions(current.row, baseline.row);
  if (regressions.length === 0) return 0;
  // The performance panel of the day, whose p75s are the mail's.
  const dashboard = dashboardUrl(run, site.id, { from: yesterday, to: yesterday }, '#performance-title');
  const fact = {
    day: yesterday,
    baselineFrom: addDays(yesterday, -VITALS_BASELINE_DAYS),
    baselineTo: addDays(yesterday, -1),
    regressions,
  };
  return deliver(run, 'vitals', site, date, async (to) =>
    vitalsEmail(to, site, fact, await linksFor(run, site, to, dashboard)),
  );
}

/**
 * Runs a daily check once per site and local day: skipped when it ran to the end before (whether
 * it fired or not), remembered when it does. A check that throws is not remembered.
 */
async function checkedOnce(
  run: Run,
  kind: AlertKind,
  site: AlertingSite,
  date: string,
  check: (run: Run, site: AlertingSite, date: string) => Promise<number>,
): Promise<number> {
  const key = `alert-checked:${kind}:${site.id}:${date}`;
  if (await isClaimed(run.env.DB, key)) return 0;
  const sent = await check(run, site, date);
  await claimOnce(run.env.DB, key, run.now);
  return sent;
}

/** Every alert of one site that is on and due at `run.now`; the mails sent. */
async function checkSite(run: Run, site: AlertingSite): Promise<number> {
  const { date, hour } = localClock(run.now, site.timezone);
  const { spike, drop, vitals } = site.settings;
  let sent = 0;
  if (spike.enabled) sent += await checkSpike(run, site, date);
  const morning = hour >= MORNING.startHour && hour < MORNING.endHour;
  if (morning && drop.enabled) sent += await checkedOnce(run, 'drop', site, date, checkDrop);
  if (morning && vitals.enabled) sent += await checkedOnce(run, 'vitals', site, date, checkVitals);
  return sent;
}

export async function runSiteAlerts(context: JobContext): Promise<JobResult> {
  const { env, now, signal } = context;
  const limits = configOf(env).clickhouseRead;
  let mailer: Mailer | undefined;
  const run: Run = {
    env,
    now,
    mailer: () => {
      mailer ??= mailerFor(env);
      return mailer;
    },
    stats: readExecutor(env, { limits, signal, settings: PLANNER_SETTINGS }),
    performance: readExecutor(env, { limits, signal }),
    app: appUrl(env),
  };
  let sites = 0;
  let mails = 0;
  const failed: number[] = [];
  let firstError = '';
  for (let after = 0; ; ) {
    const page = await alertingSites(env.DB, after, PAGE);
    for (const site of page) {
      if (signal.aborted) throw new Error(`timed out after ${sites} sites`);
      sites++;
      try {
        mails += await checkSite(run, site);
      } catch (error) {
        failed.push(site.id);
        firstError ||= error instanceof Error ? error.message : String(error);
        log('error', 'site alerts failed', { site: site.id, message: firstError.slice(0, 200) });
      }
    }
    const last = page[page.length - 1];
    if (page.length < PAGE || !last) break;
    after = last.id;
  }
  const detail = `${sites} sites, ${mails} mails`;
  if (failed.length > 0) {
    throw new Error(
      `${detail}; failed for sites ${failed.slice(0, 10).join(', ')}: ${firstError.slice(0, 200)}`,
    );
  }
  return { items: mails, detail };
}

export const siteAlertsJob: Job = {
  name: 'site_alerts',
  description:
    'Site owners’ alerts: traffic spike (every run), traffic drop and web-vitals regression (once from 07:00 site time), each at most once per site and day',
  intervalMinutes: 15,
  timeoutMs: 5 * 60_000,
  period: quarterHour,
  run: runSiteAlerts,
};
