/**
 * The operator's daily email (kind 'staff_daily'), rendered with the mail kit from the figures of
 * one UTC day (./figures.ts). Problems come first and are named in the subject, so a quiet day
 * reads as quiet at a glance and a bad one cannot be missed in the inbox.
 */
import type { MailMessage } from '../mail';
import {
  type Block,
  type Cell,
  type Kpi,
  type MailDocument,
  renderHtml,
  renderText,
  type Tone,
} from '../mail/kit';
import type { DayCount, StaffFigures } from './figures';

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** US cents → "$1,234.50" ("$90.00"). */
export function formatDollars(cents: number): string {
  const whole = Math.floor(Math.round(cents) / 100);
  return `$${formatCount(whole)}.${String(Math.round(cents) % 100).padStart(2, '0')}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "+12 % vs previous day", toned: more is good for growth figures. */
function change(count: DayCount): Kpi['change'] {
  if (count.previous === 0) {
    return count.day === 0
      ? { text: 'none the day before either', tone: 'muted' }
      : { text: 'none the day before', tone: 'good' };
  }
  const percent = Math.round(((count.day - count.previous) / count.previous) * 100);
  const tone: Tone = percent > 0 ? 'good' : percent < 0 ? 'bad' : 'neutral';
  return { text: `${percent > 0 ? '+' : ''}${percent} % vs previous day`, tone };
}

/** What needs the operator today, one line each, for the subject and the first block. */
export function problems(f: StaffFigures): string[] {
  const lines: string[] = [];
  if (f.jobs === null) lines.push('job records could not be read');
  else if (f.jobs.length > 0) lines.push(`${plural(f.jobs.length, 'job')} failed or late`);
  if (f.deadLetters.batches > 0)
    lines.push(`${plural(f.deadLetters.batches, 'batch', 'batches')} dead-lettered`);
  if (f.overQuota.length > 0) lines.push(`${plural(f.overQuota.length, 'profile')} over quota`);
  if (f.paymentsFailed > 0) lines.push(`${plural(f.paymentsFailed, 'payment')} failed`);
  return lines;
}

// Tables keep every column but the first short: mail clients do not wrap the others, and a phone
// has about 310 px for the whole row.

function jobsBlock(f: StaffFigures): Block {
  if (f.jobs === null) return { kind: 'note', text: f.jobsNote ?? 'Job records could not be read.' };
  return {
    kind: 'table',
    title: 'Failed or late jobs',
    columns: ['Job and last error', 'Failed runs', 'Now'],
    align: ['left', 'right', 'left'],
    rows: f.jobs.map((j): Cell[] => [
      { text: j.lastError ? `${j.job}: ${j.lastError.slice(0, 160)}` : j.job },
      { text: formatCount(j.failedRuns), tone: j.failedRuns > 0 ? 'bad' : 'muted' },
      j.alert ? { text: j.alert, tone: 'bad' } : { text: 'recovered', tone: 'good' },
    ]),
    empty: 'Every job ran on time.',
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Unix seconds → "Dec 7" (UTC). */
function shortDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

function quotaBlock(f: StaffFigures): Block {
  return {
    kind: 'table',
    title: 'Over quota',
    columns: ['Billing profile', 'Used', 'State'],
    align: ['left', 'right', 'left'],
    rows: f.overQuota.map((q): Cell[] => [
      `${q.email ?? `profile ${q.profileId}`} (${q.plan}, ${plural(q.sites, 'site')})`,
      {
        text: `${formatCount(Math.floor((q.events * 100) / Math.max(q.limit, 1)))} %`,
        tone: q.state === 'over' ? 'bad' : 'neutral',
      },
      q.state === 'over'
        ? { text: 'refusing', tone: 'bad' }
        : { text: q.graceEndsAt === null ? 'grace' : `grace to ${shortDate(q.graceEndsAt)}` },
    ]),
    empty: 'No billing profile is at its limit.',
  };
}

function kpisBlock(f: StaffFigures): Block {
  const money = f.revenue;
  const subscriptions = Object.entries(money.subscriptions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${n} ${status.replace('_', ' ')}`)
    .join(', ');
  return {
    kind: 'kpis',
    items: [
      { label: 'Sign-ups', value: formatCount(f.signups.day), change: change(f.signups) },
      {
        label: 'Active sites',
        value: formatCount(f.activeSites.day),
        change: change(f.activeSites),
        note: `${plural(f.newSites.day, 'site')} added`,
      },
      {
        label: 'Events ingested',
        value: formatCount(f.events.day),
        change: change(f.events),
        note: `${formatCount(f.meteredEvents)} metered`,
      },
      {
        label: 'MRR',
        value: formatDollars(money.mrrCents),
        note: subscriptions
          ? `${subscriptions}${money.cancelling ? `; ${money.cancelling} cancelling` : ''}`
          : 'no paid subscriptions',
      },
      {
        label: 'Payments failed',
        value: formatCount(f.paymentsFailed),
        change:
          f.paymentsFailed > 0 || f.pastDue.length > 0
            ? { text: `${plural(f.pastDue.length, 'customer')} past due now`, tone: 'bad' }
            : { text: 'none', tone: 'good' },
      },
      {
        label: 'Dead letters',
        value: formatCount(f.deadLetters.batches),
        change:
          f.deadLetters.batches > 0
            ? { text: `${plural(f.deadLetters.events, 'event')} parked`, tone: 'bad' }
            : { text: 'none parked', tone: 'good' },
        note: `${plural(f.deadLetters.waitingBatches, 'batch', 'batches')} waiting for replay`,
      },
    ],
  };
}

/** The daily operator email for `to`; `appUrl` is where the dashboard lives. */
export function staffDailyEmail(to: string, appUrl: string, f: StaffFigures): MailMessage {
  const issues = problems(f);
  const headline = `${plural(f.signups.day, 'sign-up')}, ${plural(f.activeSites.day, 'active site')}, ${plural(f.events.day, 'event')}`;
  const subject = `Edgebear ${f.day}: ${headline}${issues.length ? ` · ${plural(issues.length, 'thing')} to look at` : ''}`;
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: issues.length
        ? `Needs a look: ${issues.join('; ')}.`
        : 'All quiet: no failed jobs, dead letters, quota or payment trouble.',
    },
    kpisBlock(f),
    jobsBlock(f),
    quotaBlock(f),
  ];
  if (f.nearQuota > 0) {
    blocks.push({
      kind: 'note',
      text: `${plural(f.nearQuota, 'more profile')} at 80 % of the limit or above (warned).`,
    });
  }
  if (f.pastDue.length > 0) {
    blocks.push({
      kind: 'table',
      title: 'Past due or unpaid',
      columns: ['Owner', 'Plan'],
      align: ['left', 'left'],
      rows: f.pastDue.map((p): Cell[] => [p.email ?? `profile ${p.profileId}`, p.plan]),
    });
  }
  blocks.push({
    kind: 'table',
    title: 'Busiest sites',
    columns: ['Site', 'Events'],
    rows: f.busiestSites.map((s): Cell[] => [
      { text: s.domain, href: `${appUrl}/sites/${s.siteId}` },
      formatCount(s.events),
    ]),
    empty: 'No site sent events.',
  });
  const doc: MailDocument = {
    preheader: issues.length ? `Needs a look: ${issues.join('; ')}.` : `All quiet. ${headline}.`,
    title: `Edgebear on ${f.day}`,
    subtitle: 'Yesterday, midnight to midnight UTC. Quota and revenue as of this morning.',
    blocks,
    footer: {
      text: 'Sent every day after 07:00 UTC by the staff_daily job to STAFF_EMAIL. Unset that var to stop it.',
      links: [{ href: appUrl, label: 'Open Edgebear' }],
    },
  };
  return { to, subject, kind: 'staff_daily', text: renderText(doc), html: renderHtml(doc) };
}
