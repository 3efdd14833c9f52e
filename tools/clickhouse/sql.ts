/**
 * Just enough SQL lexing for the local ClickHouse bridge and the migration runner: find a statement's
 * kind, its output FORMAT, whether a request smuggles in a second statement, and where a migration
 * file's statements end. The engine parses the SQL for real; this only has to agree with it about
 * quotes, comments and semicolons.
 */

export type StatementKind = 'insert' | 'select' | 'other';

export interface StatementInfo {
  kind: StatementKind;
  /** The `FORMAT name` clause that decides the response format, if the statement has one. */
  outputFormat: string | undefined;
  /** True when text follows a top-level `;` (ClickHouse over HTTP runs exactly one statement). */
  multipleStatements: boolean;
}

export type Token =
  | { type: 'word'; text: string; start: number; end: number }
  | { type: 'punct'; text: string; start: number; end: number }
  | { type: 'literal'; start: number; end: number };

/** Statements whose result is rows (so a FORMAT clause or default_format applies). */
const ROW_STATEMENTS = new Set(['SELECT', 'WITH', 'SHOW', 'DESC', 'DESCRIBE', 'EXISTS', 'EXPLAIN', 'CHECK']);

/**
 * Yields tokens with comments and whitespace removed. Strings and quoted identifiers become one
 * `literal` token, so a `;` or `FORMAT` inside them never counts.
 */
export function* tokenize(sql: string): Generator<Token> {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      i = lineEnd(sql, i);
    } else if (c === '#' && (sql[i + 1] === ' ' || sql[i + 1] === '!')) {
      i = lineEnd(sql, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = i;
      i = quotedEnd(sql, i, c);
      yield { type: 'literal', start, end: i };
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_$]/.test(sql[i] ?? '')) i++;
      yield { type: 'word', text: sql.slice(start, i), start, end: i };
    } else {
      yield { type: 'punct', text: c, start: i, end: i + 1 };
      i++;
    }
  }
}

function lineEnd(sql: string, from: number): number {
  const nl = sql.indexOf('\n', from);
  return nl === -1 ? sql.length : nl;
}

/** Index just past a quoted string or identifier; backslash escapes and doubled quotes both stay inside. */
function quotedEnd(sql: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
      } else {
        return i + 1;
      }
    } else {
      i++;
    }
  }
  return sql.length;
}

/**
 * Describes the single statement a client sent. For an INSERT, scanning stops at `FORMAT` or
 * `VALUES`: what follows is data, which may legitimately contain anything, semicolons included.
 */
export function describeStatement(sql: string): StatementInfo {
  let kind: StatementKind | undefined;
  let outputFormat: string | undefined;
  let depth = 0;
  let afterSemicolon = false;
  let multipleStatements = false;
  const tokens = tokenize(sql);
  // A FORMAT clause counts only where the grammar allows it: at the end, or before SETTINGS.
  let pendingFormat: string | undefined;
  let expectFormatName = false;

  for (const token of tokens) {
    if (afterSemicolon) {
      multipleStatements = true;
      break;
    }
    if (token.type === 'punct' && token.text === ';' && depth === 0) {
      afterSemicolon = true;
      continue;
    }
    const upper = token.type === 'word' ? token.text.toUpperCase() : '';
    if (kind === undefined) {
      kind = upper === 'INSERT' ? 'insert' : ROW_STATEMENTS.has(upper) ? 'select' : 'other';
    }
    if (expectFormatName) {
      expectFormatName = false;
      if (token.type === 'word') {
        pendingFormat = token.text;
        continue;
      }
    }
    if (pendingFormat !== undefined) {
      if (upper === 'SETTINGS') outputFormat = pendingFormat;
      pendingFormat = undefined;
    }
    if (token.type === 'punct') {
      if (token.text === '(' || token.text === '[') depth++;
      if ((token.text === ')' || token.text === ']') && depth > 0) depth--;
      continue;
    }
    if (depth === 0 && kind === 'insert' && (upper === 'FORMAT' || upper === 'VALUES')) break;
    if (depth === 0 && upper === 'FORMAT') expectFormatName = true;
  }
  if (pendingFormat !== undefined) outputFormat = pendingFormat;
  return {
    kind: kind ?? 'other',
    outputFormat: kind === 'insert' ? undefined : outputFormat,
    multipleStatements,
  };
}

/**
 * Splits a migration file into statements at each top-level `;` that ends its line (a trailing
 * comment may follow it). Semicolons inside strings, comments or mid-line never split, and
 * comment-only chunks are dropped. Returned statements carry no trailing semicolon.
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false;
  let depth = 0;
  for (const token of tokenize(sql)) {
    if (token.type === 'punct' && token.text === ';' && depth === 0 && endsLine(sql, token.end)) {
      if (hasCode) statements.push(sql.slice(start, token.start).trim());
      // A comment after the semicolon belongs to the statement it ends, not to the next one.
      start = lineEnd(sql, token.end);
      hasCode = false;
      continue;
    }
    if (token.type === 'punct' && (token.text === '(' || token.text === '[')) depth++;
    if (token.type === 'punct' && (token.text === ')' || token.text === ']') && depth > 0) depth--;
    hasCode = true;
  }
  if (hasCode) {
    const rest = sql.slice(start).trim();
    if (rest !== '') statements.push(rest);
  }
  return statements;
}

/** True when only whitespace or a `--` comment follows `from` on its line. */
function endsLine(sql: string, from: number): boolean {
  const rest = sql.slice(from, lineEnd(sql, from)).trim();
  return rest === '' || rest.startsWith('--');
}
