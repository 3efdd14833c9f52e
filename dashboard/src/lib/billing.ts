/**
 * The usage page's decisions as pure functions of `GET /api/billing`: what the state means in
 * words, which plans can be bought from here, what the banner on the sites pages says, and the
 * events per day summed over the account's sites.
 */
import type { Billing, PlanInterval, UsageState } from '../api';
import { formatExact } from './format';

/** Subscription statuses under which the paid plan applies (functions/billing/profile.ts). */
const LIVE_STATUSES = ['active', 'trialing', 'past_due'];

export function hasLiveSubscription(billing: Pick<Billing, 'status'>): boolean {
  return billing.status !== null && LIVE_STATUSES.includes(billing.status);
}

/** A paid plan is in force: what the page waits for after Checkout, until the webhook lands. */
export function isPaidAndLive(billing: Pick<Billing, 'plan' | 'status'>): boolean {
  return billing.plan !== 'free' && hasLiveSubscription(billing);
}

export function planName(billing: Pick<Billing, 'plan' | 'plans'>): string {
  return billing.plans.find((p) => p.id === billing.plan)?.name ?? billing.plan;
}

export interface UpgradeOffer {
  plan: string;
  name: string;
  interval: PlanInterval;
  priceCents: number;
  /** The plan's monthly events cover this period's usage. */
  covers: boolean;
}

/**
 * What the Upgrade buttons offer: every paid plan and interval with a price configured. None for
 * someone who is not the owner, nor while a subscription runs: the API answers 409 then, because
 * a second Checkout would mean paying twice; plans are switched in the Billing Portal instead.
 */
export function upgradeOffers(billing: Billing): UpgradeOffer[] {
  if (!billing.is_owner || hasLiveSubscription(billing)) return [];
  const offers: UpgradeOffer[] = [];
  for (const plan of billing.plans) {
    if (!plan.paid) continue;
    for (const interval of ['month', 'year'] as const) {
      if (!plan.available[interval]) continue;
      offers.push({
        plan: plan.id,
        name: plan.name,
        interval,
        priceCents: plan.price_cents[interval],
        covers: plan.monthly_events > billing.usage.events,
      });
    }
  }
  return offers;
}

/** 900 → "$9", 4_950 → "$49.50". */
export function formatPrice(cents: number): string {
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: cents % 100 === 0 ? 0 : 2,
  }).format(cents / 100);
}

const STATE_LABELS: Record<UsageState, string> = {
  ok: 'Within the limit',
  warning: 'Nearly at the limit',
  grace: 'Over the limit: grace period',
  over: 'Over the limit: new events are not recorded',
};

export function stateLabel(state: UsageState): string {
  return STATE_LABELS[state];
}

/** Stripe's subscription status in the owner's words. */
export function statusLabel(status: string | null): string {
  switch (status) {
    case null:
      return 'No subscription';
    case 'active':
      return 'Active';
    case 'trialing':
      return 'Trial';
    case 'past_due':
      return 'Payment failed; the card is being retried';
    case 'incomplete':
      return 'Waiting for the first payment';
    case 'incomplete_expired':
      return 'The first payment did not go through';
    case 'unpaid':
      return 'Unpaid';
    case 'canceled':
      return 'Canceled';
    case 'paused':
      return 'Paused';
    default:
      return status;
  }
}

/** Width of the meter's fill, 0–100 (usage may run past 100 %). */
export function meterFill(percent: number): number {
  if (!Number.isFinite(percent)) return 0;
  return Math.min(100, Math.max(0, percent));
}

/** A day of an ISO instant, in UTC: "Dec 1, 2026". Periods are cut in UTC, so they are shown so. */
export function formatDay(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat('en-US', {
    timeZone: 'UTC',
    month: 'short',
    day: 'numeric',
    year: 'numeric',
  }).format(date);
}

/** The last day of a period that ends (exclusive) at `endIso`: Jan 1 00:00 → "Dec 31, 2026". */
export function formatLastDay(endIso: string | null): string {
  if (!endIso) return '—';
  const end = Date.parse(endIso);
  return Number.isNaN(end) ? '—' : formatDay(new Date(end - 1000).toISOString());
}

/** An instant in the reader's own time zone, to the minute: "Dec 8, 2026, 2:15 PM". */
export function formatMoment(iso: string | null, timeZone?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(date);
}

export interface BillingNotice {
  title: string;
  text: string;
}

/**
 * What the sites list and the site dashboard say while the account is over its limit: why, what
 * happens next, and how to fix it (the banner links to /billing). Nothing in `ok` or `warning`:
 * the warning mail has said it, and the usage page shows it.
 */
export function billingNotice(billing: Billing, timeZone?: string): BillingNotice | null {
  const used = formatExact(billing.usage.events);
  const limit = formatExact(billing.usage.limit);
  const plan = planName(billing);
  const nextPeriod = formatDay(billing.period_end);
  if (billing.state === 'grace') {
    return {
      title: 'Your sites are over this month’s event limit',
      text:
        `They sent ${used} events this period; the ${plan} plan includes ${limit}. Every event is still ` +
        `recorded until ${formatMoment(billing.grace_ends_at, timeZone)}. After that, new events are not ` +
        `recorded until you upgrade or the next period starts on ${nextPeriod}.`,
    };
  }
  if (billing.state === 'over') {
    const missed = billing.usage.over_events;
    return {
      title: 'New events are not being recorded',
      text:
        `Your sites passed the ${plan} plan’s limit of ${limit} events and the grace period ended on ` +
        `${formatMoment(billing.grace_ends_at, timeZone)}.` +
        (missed > 0 ? ` ${formatExact(missed)} events were missed so far.` : '') +
        ` Upgrade to record them again at once, or recording resumes when the next period starts on ${nextPeriod}.`,
    };
  }
  return null;
}

/** The calendar day of an instant in a time zone, `YYYY-MM-DD`. */
export function dayInZone(instantMs: number, timeZone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(instantMs));
}

/**
 * The Stats API date range of a billing period for one site: the site's whole days from the day
 * the period starts to the day it ends, in the site's zone (the Stats API cuts days there). Whole
 * days read the rollups rather than raw events; a period that starts mid-day (a paid one starts at
 * the second of checkout) shows that first day whole.
 */
export function periodDays(
  billing: Pick<Billing, 'period_start' | 'period_end'>,
  timeZone: string,
  nowMs: number,
): [string, string] {
  const start = billing.period_start ? Date.parse(billing.period_start) : Number.NaN;
  const end = billing.period_end ? Date.parse(billing.period_end) : Number.NaN;
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
    const today = dayInZone(nowMs, timeZone);
    return [`${today.slice(0, 8)}01`, today];
  }
  return [dayInZone(start, timeZone), dayInZone(end - 1000, timeZone)];
}

export interface DayAnswer {
  labels?: readonly string[];
  rows: readonly { dimensions: readonly string[]; metrics: readonly (number | null)[] }[];
}

/**
 * Events per day across sites: one Stats API answer per site (`events` by `time:day`), added up
 * by day label. Every labelled day is kept, so quiet days show as zero.
 */
export function sumByDay(answers: readonly DayAnswer[]): { labels: string[]; values: number[] } {
  const totals = new Map<string, number>();
  for (const answer of answers) {
    for (const label of answer.labels ?? []) if (!totals.has(label)) totals.set(label, 0);
    for (const row of answer.rows) {
      const label = row.dimensions[0];
      if (label === undefined) continue;
      totals.set(label, (totals.get(label) ?? 0) + (row.metrics[0] ?? 0));
    }
  }
  const labels = [...totals.keys()].sort();
  return { labels, values: labels.map((l) => totals.get(l) ?? 0) };
}
