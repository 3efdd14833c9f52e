/**
 * `reports`: email reports for site owners (docs/reports.md). Every 15-minute trigger looks at each
 * site with recipients; where the site's local time is in the morning window (07:00–12:59) it sends
 * the daily report of yesterday, on Mondays the weekly one of last week, on the 1st the monthly one
 * of last month. Each mail goes out at most once per recipient and period: the ledger key
 * `report:<frequency>:<site>:<email>:<first day>` is claimed before sending and released when the
 * send fails, so a later run of the same morning retries it and a run after noon never sends it.
 */

import { mailerFor } from '../../functions/mail';
import { type ReportData, reportData, reportExecutors, reportSite } from '../../functions/reports/data';
import { reportMessage } from '../../functions/reports/mail';
import { dueReports, type ReportPeriod } from '../../functions/reports/periods';
import { type DueRecipient, recipientsWithReports } from '../../functions/reports/store';
import type { ReadableSite } from '../../functions/stats/access';
import { log } from '../observability/log';
import { type Job, type JobContext, type JobResult, quarterHour } from './job';
import { claimOnce } from './ledger';

export function reportLedgerKey(period: ReportPeriod, siteId: number, email: string): string {
  return `report:${period.frequency}:${siteId}:${email}:${period.firstDay}`;
}

function wants(recipient: DueRecipient, period: ReportPeriod): boolean {
  return recipient[period.frequency] === 1;
}

async function runReports(context: JobContext): Promise<JobResult> {
  const { env, now, signal } = context;
  const bySite = new Map<number, DueRecipient[]>();
  for (const recipient of await recipientsWithReports(env.DB)) {
    bySite.set(recipient.site_id, [...(bySite.get(recipient.site_id) ?? []), recipient]);
  }
  const mailer = mailerFor(env);
  const executors = reportExecutors(env, signal);
  let sent = 0;
  const failures: string[] = [];
  for (const recipients of bySite.values()) {
    const first = recipients[0];
    if (!first) continue;
    const site = { id: first.site_id, domain: first.domain, timezone: first.timezone || 'UTC' };
    // Its goals are read once a report of the site is due, not on every quarter-hour run.
    let readable: ReadableSite | null = null;
    for (const period of dueReports(now, site.timezone)) {
      if (signal.aborted) throw new Error(`timed out after ${sent} reports`);
      // Claim first, so a morning's later runs cost one ledger insert per recipient, not a report.
      const claims: { email: string; release(): Promise<void> }[] = [];
      for (const recipient of recipients.filter((r) => wants(r, period))) {
        const claim = await claimOnce(env.DB, reportLedgerKey(period, site.id, recipient.email), now);
        if (claim.claimed) claims.push({ email: recipient.email, release: claim.release });
      }
      if (claims.length === 0) continue;
      let data: ReportData;
      try {
        readable ??= await reportSite(env.DB, site);
        data = await reportData(executors, readable, period, now);
      } catch (error) {
        // ClickHouse out of reach: give the claims back; the next run of the morning retries.
        for (const claim of claims) await claim.release();
        failures.push(`${period.frequency} ${site.id}: ${error instanceof Error ? error.message : 'failed'}`);
        continue;
      }
      for (const claim of claims) {
        try {
          await mailer.send(await reportMessage(env, data, claim.email));
          sent++;
        } catch (error) {
          await claim.release();
          failures.push(
            `${period.frequency} ${site.id} mail: ${error instanceof Error ? error.message : 'failed'}`,
          );
        }
      }
    }
  }
  if (failures.length > 0) {
    log('error', 'reports failed', { failures: failures.length, first: failures[0] });
    // A failed run is recorded as such (and alerts the operator); the released claims are retried.
    throw new Error(`${failures.length} report(s) failed, ${sent} sent; first: ${failures[0]}`);
  }
  return { items: sent, detail: `${sent} reports sent, ${bySite.size} sites with recipients` };
}

export const reportsJob: Job = {
  name: 'reports',
  description: 'Email reports (daily, weekly, monthly) at 07:00 in each site’s time zone',
  intervalMinutes: 15,
  timeoutMs: 5 * 60_000,
  // Every slot: some zone is always in its morning; the ledger keeps each mail to one.
  period: quarterHour,
  run: runReports,
};
