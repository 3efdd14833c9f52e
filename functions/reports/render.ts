/**
 * A report as a mail: the figures of `ReportData` laid out with the mail kit (functions/mail/kit.ts),
 * to HTML and plain text, with the dashboard link for the period and the recipient's unsubscribe link.
 */
import {
  type Block,
  dayInWords,
  type Kpi,
  type MailDocument,
  renderHtml,
  renderText,
  type Tone,
} from '../mail/kit';
import type { Band, ReportData, Totals, Vital } from './data';
import type { DayRange, Frequency } from './periods';

export interface ReportLinks {
  /** The dashboard for the report's days. */
  dashboard: string;
  /** Stops this recipient's reports of the site (a signed link: works without signing in). */
  unsubscribe: string;
  /** The site's settings page, where reports are managed. */
  settings: string;
}

export interface RenderedReport {
  subject: string;
  html: string;
  text: string;
}

const NUMBER = new Intl.NumberFormat('en-US');
const WORD: Record<Frequency, { adjective: string; previous: string }> = {
  daily: { adjective: 'Daily', previous: 'previous day' },
  weekly: { adjective: 'Weekly', previous: 'previous week' },
  monthly: { adjective: 'Monthly', previous: 'previous month' },
};

function formatDay(day: string, withYear = true): string {
  return dayInWords(day, withYear ? 'short' : 'day-month');
}

/** "Mon, 5 Oct 2026", "28 Sep – Sun, 4 Oct 2026", "October 2026". */
export function periodLabel(frequency: Frequency, days: DayRange): string {
  if (frequency === 'daily') return formatDay(days.firstDay);
  if (frequency === 'monthly') return dayInWords(days.firstDay, 'month');
  return `${formatDay(days.firstDay, false)} – ${formatDay(days.lastDay)}`;
}

/** "2m 36s", "45s", "1h 02m". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

type Field = keyof Totals;

const FIELDS: { field: Field; label: string; format(value: number): string; higherIsBetter: boolean }[] = [
  { field: 'visitors', label: 'Visitors', format: (v) => NUMBER.format(v), higherIsBetter: true },
  { field: 'visits', label: 'Visits', format: (v) => NUMBER.format(v), higherIsBetter: true },
  { field: 'pageviews', label: 'Pageviews', format: (v) => NUMBER.format(v), higherIsBetter: true },
  { field: 'bounce_rate', label: 'Bounce rate', format: (v) => `${v} %`, higherIsBetter: false },
  { field: 'visit_duration', label: 'Visit duration', format: formatDuration, higherIsBetter: true },
];

/**
 * The move from `before` to `now` as the Stats API computes a comparison: percent for counts and
 * durations, points for the bounce rate (already a percentage).
 */
export function changeOf(field: Field, now: number, before: number): { text: string; tone: Tone } {
  const higherIsBetter = FIELDS.find((f) => f.field === field)?.higherIsBetter ?? true;
  let delta: number;
  let text: string;
  if (field === 'bounce_rate') {
    delta = Math.round((now - before) * 10) / 10;
    text = `${delta > 0 ? '+' : ''}${delta} pts`;
  } else if (before === 0) {
    delta = now > 0 ? 100 : 0;
    text = now > 0 ? 'new' : '±0 %';
  } else {
    delta = Math.round(((now - before) / before) * 100);
    text = `${delta > 0 ? '+' : ''}${delta} %`;
  }
  if (delta === 0) return { text: field === 'bounce_rate' ? '±0 pts' : '±0 %', tone: 'muted' };
  return { text, tone: delta > 0 === higherIsBetter ? 'good' : 'bad' };
}

function kpis(data: ReportData): Kpi[] {
  const { previous } = WORD[data.period.frequency];
  return FIELDS.map(({ field, label, format }) => {
    const change = changeOf(field, data.current[field], data.previous[field]);
    const lastWeek = data.sameDayLastWeek;
    const weekday = lastWeek ? changeOf(field, data.current[field], lastWeek[field]) : null;
    return {
      label,
      value: format(data.current[field]),
      change: { text: `${change.text} vs ${previous}`, tone: change.tone },
      note:
        lastWeek && weekday
          ? `${weekday.text} vs same day last week (${format(lastWeek[field])})`
          : undefined,
    };
  });
}

const BAND_LABEL: Record<Band, string> = {
  good: 'good',
  needs_improvement: 'needs improvement',
  poor: 'poor',
};

function vitalValue(vital: Vital, value: number | null): string {
  if (value === null) return '–';
  return vital.metric === 'cls' ? value.toFixed(2) : `${NUMBER.format(Math.round(value))} ms`;
}

function vitalsBlock(data: ReportData): Block {
  const { previous } = WORD[data.period.frequency];
  return {
    kind: 'table',
    title: 'Web vitals (p75)',
    columns: ['Metric', 'This period', `The ${previous}`, ''],
    rows: data.vitals.map((vital) => [
      vital.metric.toUpperCase(),
      {
        text: `${vitalValue(vital, vital.p75)}${vital.band ? ` (${BAND_LABEL[vital.band]})` : ''}`,
        tone: vital.band === 'good' ? 'good' : vital.band === null ? 'muted' : 'bad',
      },
      { text: vitalValue(vital, vital.previousP75), tone: 'muted' },
      vital.worse ? { text: '▼ worse band', tone: 'bad', bold: true } : '',
    ]),
    align: ['left', 'right', 'right', 'right'],
    empty: 'No page loads with timings in this period.',
  };
}

/** The report as a mail document (what `renderHtml` and `renderText` lay out). */
export function reportDocument(data: ReportData, links: ReportLinks): MailDocument {
  const { adjective } = WORD[data.period.frequency];
  const label = periodLabel(data.period.frequency, data.period);
  const { current } = data;
  const worse = data.vitals.filter((v) => v.worse).map((v) => v.metric.toUpperCase());
  const blocks: Block[] = [
    { kind: 'kpis', items: kpis(data) },
    {
      kind: 'table',
      title: 'Top pages',
      columns: ['Page', 'Visitors', 'Pageviews'],
      rows: data.topPages.map((p) => [p.page, NUMBER.format(p.visitors), NUMBER.format(p.pageviews)]),
      empty: 'No pageviews in this period.',
    },
    {
      kind: 'table',
      title: 'Top sources',
      columns: ['Source', 'Visitors'],
      rows: data.topSources.map((s) => [s.source, NUMBER.format(s.visitors)]),
      empty: 'No visits in this period.',
    },
    {
      kind: 'table',
      title: 'Top goals',
      columns: ['Custom event', 'Visitors', 'Events'],
      rows: data.topGoals.map((g) => [g.goal, NUMBER.format(g.visitors), NUMBER.format(g.events)]),
      empty: 'No custom events in this period.',
    },
    data.vitalSamples > 0 || data.vitals.some((v) => v.previousP75 !== null)
      ? vitalsBlock(data)
      : { kind: 'note', text: 'Web vitals: no page loads with timings in this period.' },
  ];
  if (worse.length > 0) {
    blocks.push({
      kind: 'paragraph',
      text: `${worse.join(', ')} moved into a worse band than the ${WORD[data.period.frequency].previous}.`,
    });
  }
  blocks.push({ kind: 'button', href: links.dashboard, label: 'Open the dashboard for this period' });
  return {
    preheader: `${NUMBER.format(current.visitors)} visitors, ${NUMBER.format(current.pageviews)} pageviews`,
    title: `${adjective} report for ${data.site.domain}`,
    subtitle: `${label} (${data.site.timezone})`,
    blocks,
    footer: {
      text: `You get this ${adjective.toLowerCase()} report because a site admin of ${data.site.domain} added your address on Edgebear.`,
      links: [
        { href: links.unsubscribe, label: 'Unsubscribe' },
        { href: links.settings, label: 'Report settings' },
      ],
    },
  };
}

/** Subject, HTML and text of a report. */
export function renderReport(data: ReportData, links: ReportLinks): RenderedReport {
  const doc = reportDocument(data, links);
  const label = periodLabel(data.period.frequency, data.period);
  return {
    subject: `${data.site.domain}: ${WORD[data.period.frequency].adjective.toLowerCase()} report, ${label}`,
    html: renderHtml(doc),
    text: renderText(doc),
  };
}
