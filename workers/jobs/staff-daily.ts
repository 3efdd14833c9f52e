/**
 * The operator's daily email: yesterday (UTC) in figures, mailed to STAFF_EMAIL once a day after
 * 07:00 UTC (docs/jobs.md). The dispatcher runs a day's period until it succeeds; the ledger key
 * `staff_daily:<date>` makes sure that, whatever runs overlap or retry, the email goes out once.
 */
import { authConfig } from '../../functions/auth/config';
import { mailerFor } from '../../functions/mail';
import { staffDailyEmail } from '../../functions/staff/email';
import { previousDay, staffFigures } from '../../functions/staff/figures';
import { readExecutor } from '../clickhouse/read';
import { configOf } from '../config';
import type { Job } from './job';
import { utcDate } from './job';
import { claimOnce } from './ledger';

/** The hour (UTC) from which the day's email is due: the night's jobs and sealing are done by then. */
export const STAFF_DAILY_HOUR_UTC = 7;

export const staffDaily: Job = {
  name: 'staff_daily',
  description:
    "Mails yesterday's sign-ups, active sites, events, dead letters, failed jobs, quota, MRR and failed payments to STAFF_EMAIL after 07:00 UTC.",
  intervalMinutes: 24 * 60,
  timeoutMs: 60_000,
  period(now) {
    return new Date(now).getUTCHours() >= STAFF_DAILY_HOUR_UTC ? utcDate(now) : null;
  },
  async run({ env, now, period, signal }) {
    const to = env.STAFF_EMAIL?.trim();
    if (!to) return { items: 0, detail: 'STAFF_EMAIL is not set: nothing sent' };
    const day = previousDay(period);
    const claim = await claimOnce(env.DB, `staff_daily:${period}`, now);
    if (!claim.claimed) return { items: 0, detail: `the email for ${day} was sent before` };
    try {
      const read = readExecutor(env, { limits: configOf(env).clickhouseRead, signal });
      const figures = await staffFigures(env.DB, read, day, now);
      await mailerFor(env).send(staffDailyEmail(to, authConfig(env).appUrl, figures));
      return { items: 1, detail: `sent the email for ${day}` };
    } catch (error) {
      // Not sent: the next trigger of the day tries again (the dispatcher records this run as failed).
      await claim.release();
      throw error;
    }
  },
};
