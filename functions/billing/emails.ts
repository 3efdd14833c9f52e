import type { MailMessage } from '../mail';
import { mailLayout } from '../mail/layout';

/**
 * The two soft-limit mails the metering cron sends, each at most once per billing period
 * (workers/billing/metering.ts): the 80 % warning, and "capacity depleted" at 100 %. Both link to
 * the usage page, where the owner upgrades through Stripe Checkout. No secrets in either.
 */

export interface QuotaMailFacts {
  /** The plan's name as the customer knows it ('Free', 'Growth'). */
  planName: string;
  events: number;
  limit: number;
  /** End of the billing period (exclusive), unix seconds: when the count starts again. */
  periodEnd: number;
  graceDays: number;
}

/** 1234567 → "1,234,567". */
function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Unix seconds → "2026-12-01 00:00 UTC". */
function utc(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

function billingLink(appUrl: string): string {
  return `${appUrl}/billing`;
}

/** Sent once per period when usage reaches 80 % of the limit. */
export function quotaWarningEmail(to: string, appUrl: string, facts: QuotaMailFacts): MailMessage {
  const percent = Math.floor((facts.events * 100) / Math.max(facts.limit, 1));
  const subject = `You have used ${percent} % of your Edgebear events this period`;
  const lines = [
    `Your sites have sent ${count(facts.events)} of the ${count(facts.limit)} events your ${facts.planName} plan includes this billing period, which ends ${utc(facts.periodEnd)}.`,
    'Nothing is lost: every event is still recorded.',
    `Should you reach the limit, we keep recording everything for ${days(facts.graceDays)} and tell you by email. After that, new events are not recorded until the next period or an upgrade; your visitors never notice either way.`,
  ];
  const link = billingLink(appUrl);
  return {
    to,
    kind: 'quota_warning',
    subject,
    text: `${lines.join('\n\n')}\n\nSee your usage or upgrade: ${link}\n`,
    html: mailLayout(subject, lines, { href: link, label: 'See usage and plans' }),
  };
}

/** Sent once per period when usage reaches the limit: the grace period has started. */
export function capacityDepletedEmail(
  to: string,
  appUrl: string,
  facts: QuotaMailFacts & { graceEndsAt: number },
): MailMessage {
  const subject = 'Your Edgebear capacity is depleted: upgrade to keep every event';
  const lines = [
    `Your sites have sent ${count(facts.events)} events this billing period; your ${facts.planName} plan includes ${count(facts.limit)}.`,
    `We keep recording every event until ${utc(facts.graceEndsAt)} (${days(facts.graceDays)} of grace). After that, new events are not recorded until your next period starts (${utc(facts.periodEnd)}) or you upgrade. Events we could not record are counted on your usage page.`,
    'Upgrading takes effect at once, and your visitors never see an error either way.',
  ];
  const link = billingLink(appUrl);
  return {
    to,
    kind: 'quota_depleted',
    subject,
    text: `${lines.join('\n\n')}\n\nUpgrade your plan: ${link}\n`,
    html: mailLayout('Your capacity is depleted', lines, { href: link, label: 'Upgrade your plan' }),
  };
}
