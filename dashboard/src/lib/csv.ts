/**
 * CSV export of a dashboard panel, built in the browser from the rows on screen (RFC 4180:
 * CRLF line ends, fields quoted when they hold a comma, quote or line break, quotes doubled).
 */

/** A cell as it sits in a panel row: text from the API or a number. */
export type CsvCell = string | number | null | undefined;

// Page paths, referrers and UTM values come from visitors, so a value like `=HYPERLINK(…)` is
// attacker-chosen. Spreadsheets run cells that start with these as formulas; a leading
// apostrophe makes them text (OWASP, "CSV injection"). Numbers are never prefixed: -5 stays -5.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, escaped for CSV. */
export function csvField(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const text = FORMULA_START.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole document: a header line, then one line per row. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/** A file name like `example.com-pages-7d.csv`: safe on every file system. */
export function csvFileName(...parts: string[]): string {
  const name = parts
    .filter((p) => p !== '')
    .join('-')
    .replace(/[^a-zA-Z0-9._-]+/g, '_');
  return `${name}.csv`;
}
