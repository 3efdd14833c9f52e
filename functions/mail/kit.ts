import { escapeHtml } from './mailer';

/**
 * The template kit of reports, alerts and the operator's mail: a document of blocks, rendered
 * to HTML that common mail clients show alike (tables for layout, inline styles, no scripts, no
 * images, 600 px wide at most and fluid below) and to a plain-text part with the same content.
 */
export type Tone = 'good' | 'bad' | 'neutral' | 'muted';

export type Cell = string | { text: string; tone?: Tone; href?: string; bold?: boolean };

export interface Kpi {
  label: string;
  value: string;
  /** e.g. "+12 % vs previous day", coloured by whether the move is good. */
  change?: { text: string; tone: Tone };
  /** A second, smaller line, e.g. "same weekday last week: 1,204". */
  note?: string;
}

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'kpis'; items: Kpi[] }
  | {
      kind: 'table';
      title?: string;
      columns: string[];
      rows: Cell[][];
      /** Per column; default: the first column left, the others right. */
      align?: ('left' | 'right')[];
      /** Shown instead of the table when it has no rows. */
      empty?: string;
    }
  | { kind: 'button'; href: string; label: string }
  | { kind: 'note'; text: string };

export interface MailDocument {
  /** Hidden preview text that mail clients show next to the subject. */
  preheader?: string;
  title: string;
  subtitle?: string;
  blocks: Block[];
  /** Small print: why the mail came, and links (unsubscribe, settings). */
  footer?: { text: string; links?: { href: string; label: string }[] };
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = '#111827';
const MUTED = '#6b7280';
const LINE = '#e5e7eb';
const TONES: Record<Tone, string> = { good: '#047857', bad: '#b91c1c', neutral: INK, muted: MUTED };

function cellOf(cell: Cell): { text: string; tone?: Tone; href?: string; bold?: boolean } {
  return typeof cell === 'string' ? { text: cell } : cell;
}

function cellHtml(cell: Cell): string {
  const { text, tone, href, bold } = cellOf(cell);
  const color = TONES[tone ?? 'neutral'];
  const weight = bold ? 'font-weight:600;' : '';
  const inner = href
    ? `<a href="${escapeHtml(href)}" style="color:${color};text-decoration:none;${weight}">${escapeHtml(text)}</a>`
    : `<span style="color:${color};${weight}">${escapeHtml(text)}</span>`;
  return inner;
}

function kpiHtml(kpi: Kpi): string {
  const change = kpi.change
    ? `<div style="font-size:13px;line-height:18px;color:${TONES[kpi.change.tone]}">${escapeHtml(kpi.change.text)}</div>`
    : '';
  const note = kpi.note
    ? `<div style="font-size:12px;line-height:16px;color:${MUTED}">${escapeHtml(kpi.note)}</div>`
    : '';
  // Inline-block cards: three to a row at 600 px, two at 375 px, one at 320; each a table for Outlook.
  return `<div style="display:inline-block;width:31%;min-width:136px;max-width:100%;vertical-align:top;margin:0 8px 12px 0">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border:1px solid ${LINE};border-radius:8px"><tr><td style="padding:10px 12px">
<div style="font-size:12px;line-height:16px;color:${MUTED};text-transform:uppercase;letter-spacing:.04em">${escapeHtml(kpi.label)}</div>
<div style="font-size:22px;line-height:30px;font-weight:600;color:${INK}">${escapeHtml(kpi.value)}</div>
${change}${note}</td></tr></table></div>`;
}

function tableHtml(block: Extract<Block, { kind: 'table' }>): string {
  const title = block.title
    ? `<div style="font-size:15px;line-height:22px;font-weight:600;color:${INK};margin:20px 0 6px">${escapeHtml(block.title)}</div>`
    : '';
  if (block.rows.length === 0) {
    return `${title}<div style="font-size:14px;line-height:20px;color:${MUTED};margin:0 0 8px">${escapeHtml(block.empty ?? 'Nothing yet.')}</div>`;
  }
  const align = (i: number) => block.align?.[i] ?? (i === 0 ? 'left' : 'right');
  const head = block.columns
    .map(
      (c, i) =>
        `<th align="${align(i)}" style="font-size:12px;line-height:16px;font-weight:600;color:${MUTED};padding:6px 4px;border-bottom:1px solid ${LINE};text-align:${align(i)}">${escapeHtml(c)}</th>`,
    )
    .join('');
  const rows = block.rows
    .map(
      (row) =>
        `<tr>${row
          .map(
            (cell, i) =>
              `<td align="${align(i)}" style="font-size:14px;line-height:20px;padding:6px 4px;border-bottom:1px solid ${LINE};text-align:${align(i)};${i === 0 ? 'word-break:break-word;' : cellOf(cell).text.length <= 12 ? 'white-space:nowrap;' : ''}">${cellHtml(cell)}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('\n');
  return `${title}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 8px"><tr>${head}</tr>
${rows}</table>`;
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<div style="font-size:17px;line-height:24px;font-weight:600;color:${INK};margin:24px 0 8px">${escapeHtml(block.text)}</div>`;
    case 'paragraph':
      return `<p style="font-size:15px;line-height:22px;color:${INK};margin:0 0 12px">${escapeHtml(block.text)}</p>`;
    case 'note':
      return `<p style="font-size:13px;line-height:18px;color:${MUTED};margin:0 0 12px">${escapeHtml(block.text)}</p>`;
    case 'kpis':
      return `<div style="margin:8px 0 4px;font-size:0">${block.items.map(kpiHtml).join('')}</div>`;
    case 'table':
      return tableHtml(block);
    case 'button':
      return `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:20px 0 8px"><tr><td style="border-radius:6px;background:#1f2937">
<a href="${escapeHtml(block.href)}" style="display:inline-block;padding:11px 18px;font-size:15px;line-height:20px;color:#ffffff;text-decoration:none;font-weight:600">${escapeHtml(block.label)}</a></td></tr></table>
<p style="font-size:12px;line-height:16px;color:${MUTED};margin:0 0 12px;word-break:break-all">${escapeHtml(block.href)}</p>`;
  }
}

/** The HTML part: a 600 px card on a grey page, fluid on narrow screens. */
export function renderHtml(doc: MailDocument): string {
  const preheader = doc.preheader
    ? `<div style="display:none;max-height:0;overflow:hidden;opacity:0;color:transparent">${escapeHtml(doc.preheader)}</div>`
    : '';
  const subtitle = doc.subtitle
    ? `<div style="font-size:14px;line-height:20px;color:${MUTED};margin:4px 0 0">${escapeHtml(doc.subtitle)}</div>`
    : '';
  const footerLinks = (doc.footer?.links ?? [])
    .map(
      (l) =>
        `<a href="${escapeHtml(l.href)}" style="color:${MUTED};text-decoration:underline">${escapeHtml(l.label)}</a>`,
    )
    .join(' · ');
  const footer = doc.footer
    ? `<p style="font-size:12px;line-height:18px;color:${MUTED};margin:0">${escapeHtml(doc.footer.text)}</p>${
        footerLinks
          ? `<p style="font-size:12px;line-height:18px;color:${MUTED};margin:6px 0 0">${footerLinks}</p>`
          : ''
      }`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light"><title>${escapeHtml(doc.title)}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:${FONT};color:${INK}">
${preheader}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 8px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:10px;font-family:${FONT}">
<tr><td style="padding:20px 24px 4px">
<div style="font-size:13px;line-height:18px;font-weight:700;color:${MUTED};letter-spacing:.06em">EDGEBEAR</div>
<h1 style="font-size:22px;line-height:28px;margin:8px 0 0;color:${INK}">${escapeHtml(doc.title)}</h1>
${subtitle}</td></tr>
<tr><td style="padding:8px 24px 16px">
${doc.blocks.map(blockHtml).join('\n')}
</td></tr>
${footer ? `<tr><td style="padding:14px 24px 20px;border-top:1px solid ${LINE}">${footer}</td></tr>` : ''}
</table></td></tr></table>
</body></html>`;
}

function cellText(cell: Cell): string {
  return cellOf(cell).text;
}

function tableText(block: Extract<Block, { kind: 'table' }>): string {
  const lines: string[] = [];
  if (block.title) lines.push(block.title, '-'.repeat(block.title.length));
  if (block.rows.length === 0) {
    lines.push(block.empty ?? 'Nothing yet.');
    return lines.join('\n');
  }
  const all = [block.columns, ...block.rows.map((r) => r.map(cellText))];
  // Columns line up up to these widths; a longer value is kept whole and only shifts its own row.
  const widths = block.columns.map((_, i) =>
    Math.min(i === 0 ? 48 : 24, Math.max(...all.map((r) => (r[i] ?? '').length))),
  );
  for (const row of all) {
    lines.push(
      row
        .map((text, i) => {
          const width = widths[i] ?? 0;
          const value = text;
          const right = (block.align?.[i] ?? (i === 0 ? 'left' : 'right')) === 'right';
          return right ? value.padStart(width) : value.padEnd(width);
        })
        .join('  ')
        .trimEnd(),
    );
  }
  return lines.join('\n');
}

function blockText(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `${block.text}\n${'='.repeat(block.text.length)}`;
    case 'paragraph':
    case 'note':
      return block.text;
    case 'kpis':
      return block.items
        .map((k) => {
          const extra = [k.change?.text, k.note].filter(Boolean).join('; ');
          return `${k.label}: ${k.value}${extra ? ` (${extra})` : ''}`;
        })
        .join('\n');
    case 'table':
      return tableText(block);
    case 'button':
      return `${block.label}: ${block.href}`;
  }
}

/** The plain-text part: the same content, for clients that show no HTML. */
export function renderText(doc: MailDocument): string {
  const parts = [doc.title, ...(doc.subtitle ? [doc.subtitle] : []), ''];
  parts.push(doc.blocks.map(blockText).join('\n\n'));
  if (doc.footer) {
    parts.push('', '--', doc.footer.text);
    for (const link of doc.footer.links ?? []) parts.push(`${link.label}: ${link.href}`);
  }
  return `${parts.join('\n').trim()}\n`;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * A calendar day (`YYYY-MM-DD`) in words, spelled the same in every runtime (ICU versions differ:
 * one writes "Sep", another "Sept"). 'long': "Thursday, 26 September 2024"; 'short': "Thu, 26 Sep
 * 2024"; 'day-month': "26 Sep"; 'month': "September 2024"; 'weekday': "Thursday".
 */
export function dayInWords(day: string, style: 'long' | 'short' | 'day-month' | 'month' | 'weekday'): string {
  const date = new Date(`${day}T00:00:00Z`);
  const weekday = WEEKDAYS[date.getUTCDay()] ?? '';
  const month = MONTHS[date.getUTCMonth()] ?? '';
  const year = date.getUTCFullYear();
  const dayOfMonth = date.getUTCDate();
  switch (style) {
    case 'long':
      return `${weekday}, ${dayOfMonth} ${month} ${year}`;
    case 'short':
      return `${weekday.slice(0, 3)}, ${dayOfMonth} ${month.slice(0, 3)} ${year}`;
    case 'day-month':
      return `${dayOfMonth} ${month.slice(0, 3)}`;
    case 'month':
      return `${month} ${year}`;
    case 'weekday':
      return weekday;
  }
}
