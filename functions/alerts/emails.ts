/**
 * The three alert mails, as documents of the mail kit (functions/mail/kit.ts). Each names the
 * number that tripped it, links to the dashboard on the time it is about, and ends with links to
 * the alert settings and to unsubscribe (which works without an account).
 */
import type { MailMessage } from '../mail';
import { dayInWords, type MailDocument, renderHtml, renderText } from '../mail/kit';
import type { Band, DropFinding, VitalMetric, VitalRegression } from './signals';

export type AlertMailKind = 'alert_spike' | 'alert_drop' | 'alert_vitals';

/** Where an alert's links go, for one recipient. */
export interface AlertLinks {
  /** The dashboard on the alert's time (and, for vitals, the performance panel). */
  dashboard: string;
  settings: string;
  unsubscribe: string;
}

export interface AlertSite {
  id: number;
  domain: string;
}

const number = new Intl.NumberFormat('en-US');

function formatDay(day: string): string {
  return dayInWords(day, 'long');
}

function weekdayOf(day: string): string {
  return dayInWords(day, 'weekday');
}

function footer(site: AlertSite, to: string, links: AlertLinks): MailDocument['footer'] {
  return {
    text: `You get this because ${to} is on the alert list of ${site.domain}. Each kind of alert comes at most once a day.`,
    links: [
      { href: links.settings, label: 'Alert settings' },
      { href: links.unsubscribe, label: 'Unsubscribe' },
    ],
  };
}

function message(
  to: string,
  subject: string,
  kind: AlertMailKind,
  doc: MailDocument,
  links: AlertLinks,
): MailMessage {
  // The unsubscribe URL also becomes the List-Unsubscribe headers (one click in the mail client).
  return {
    to,
    subject,
    kind,
    html: renderHtml(doc),
    text: renderText(doc),
    unsubscribeUrl: links.unsubscribe,
  };
}

export function spikeEmail(
  to: string,
  site: AlertSite,
  fact: { visitors: number; threshold: number },
  links: AlertLinks,
): MailMessage {
  const visitors = number.format(fact.visitors);
  const doc: MailDocument = {
    preheader: `${visitors} people are on ${site.domain} right now.`,
    title: `Traffic spike on ${site.domain}`,
    subtitle: `${visitors} current visitors`,
    blocks: [
      {
        kind: 'kpis',
        items: [
          { label: 'Current visitors', value: visitors, note: 'in the last 5 minutes' },
          { label: 'Your threshold', value: number.format(fact.threshold) },
        ],
      },
      {
        kind: 'paragraph',
        text: `${site.domain} has ${visitors} visitors right now, more than the ${number.format(fact.threshold)} you set for this alert. The dashboard shows where they come from and what they read.`,
      },
      { kind: 'button', href: links.dashboard, label: 'See today on the dashboard' },
    ],
    footer: footer(site, to, links),
  };
  return message(
    to,
    `Traffic spike on ${site.domain}: ${visitors} current visitors`,
    'alert_spike',
    doc,
    links,
  );
}

function percentChange(now: number, before: number): string {
  const change = Math.round(((now - before) / before) * 100);
  return `${change > 0 ? '+' : ''}${change} %`;
}

export function dropEmail(to: string, site: AlertSite, drop: DropFinding, links: AlertLinks): MailMessage {
  const weekday = weekdayOf(drop.day);
  const visitors = number.format(drop.visitors);
  const usual = number.format(Math.round(drop.median));
  const doc: MailDocument = {
    preheader: `${visitors} visitors on ${formatDay(drop.day)}; a ${weekday} usually has about ${usual}.`,
    title: `Traffic drop on ${site.domain}`,
    subtitle: formatDay(drop.day),
    blocks: [
      {
        kind: 'kpis',
        items: [
          {
            label: 'Visitors',
            value: visitors,
            change: { text: `${percentChange(drop.visitors, drop.median)} vs usual`, tone: 'bad' },
          },
          {
            label: `Usual ${weekday}`,
            value: usual,
            note: `median of the last ${drop.reference.length} ${weekday}s`,
          },
        ],
      },
      {
        kind: 'paragraph',
        text: `${site.domain} had ${visitors} visitors on ${formatDay(drop.day)}, under ${Math.round(drop.ratio * 100)} % of a usual ${weekday}. If nothing explains it (a holiday, a campaign that ended), check that the tracking snippet is still on every page.`,
      },
      {
        kind: 'table',
        title: `The ${weekday}s before`,
        columns: ['Day', 'Visitors'],
        rows: [...drop.reference].reverse().map((r) => [formatDay(r.day), number.format(r.visitors)]),
      },
      { kind: 'button', href: links.dashboard, label: 'Open that day on the dashboard' },
    ],
    footer: footer(site, to, links),
  };
  return message(
    to,
    `Traffic drop on ${site.domain}: ${visitors} visitors on ${weekday} (usually ${usual})`,
    'alert_drop',
    doc,
    links,
  );
}

const METRIC_NAMES: Record<VitalMetric, string> = {
  lcp: 'Largest Contentful Paint (LCP)',
  inp: 'Interaction to Next Paint (INP)',
  cls: 'Cumulative Layout Shift (CLS)',
};

const BAND_NAMES: Record<Band, string> = {
  good: 'good',
  needs_improvement: 'needs improvement',
  poor: 'poor',
};

function vitalValue(metric: VitalMetric, value: number): string {
  return metric === 'cls' ? value.toFixed(2) : `${number.format(Math.round(value))} ms`;
}

export function vitalsEmail(
  to: string,
  site: AlertSite,
  fact: { day: string; baselineFrom: string; baselineTo: string; regressions: VitalRegression[] },
  links: AlertLinks,
): MailMessage {
  const names = fact.regressions.map((r) => r.metric.toUpperCase()).join(', ');
  const worst = fact.regressions[0];
  const doc: MailDocument = {
    preheader: `${names} moved into a worse band on ${formatDay(fact.day)}.`,
    title: `Web vitals got worse on ${site.domain}`,
    subtitle: `${formatDay(fact.day)}, compared with the 7 days before`,
    blocks: [
      {
        kind: 'paragraph',
        text: `The 75th percentile of ${fact.regressions.map((r) => METRIC_NAMES[r.metric]).join(', ')} on ${formatDay(fact.day)} is in a worse band than over the 7 days before: more of your visitors waited or saw the page jump. A release, a new script or a slower server is the usual cause.`,
      },
      {
        kind: 'table',
        // Three columns, the band inside the value's cell: fits a phone without scrolling.
        columns: ['p75', 'This day', '7 days before'],
        rows: fact.regressions.map((r) => [
          r.metric.toUpperCase(),
          {
            text: `${vitalValue(r.metric, r.current.p75)} (${BAND_NAMES[r.current.band]})`,
            tone: 'bad',
            bold: true,
          },
          {
            text: `${vitalValue(r.metric, r.baseline.p75)} (${BAND_NAMES[r.baseline.band]})`,
            tone: r.baseline.band === 'good' ? 'good' : 'neutral',
          },
        ]),
      },
      {
        kind: 'note',
        text: `Page loads measured: ${fact.regressions
          .map(
            (r) =>
              `${r.metric.toUpperCase()} ${number.format(r.current.samples)} on the day, ${number.format(r.baseline.samples)} before`,
          )
          .join('; ')}. Bands are Google's: good, needs improvement, poor.`,
      },
      { kind: 'button', href: links.dashboard, label: 'Open the performance view' },
    ],
    footer: footer(site, to, links),
  };
  const more = fact.regressions.length > 1 ? ` (and ${fact.regressions.length - 1} more)` : '';
  const subject = worst
    ? `Web vitals got worse on ${site.domain}: ${worst.metric.toUpperCase()} ${BAND_NAMES[worst.current.band]}${more}`
    : `Web vitals got worse on ${site.domain}`;
  return message(to, subject, 'alert_vitals', doc, links);
}
