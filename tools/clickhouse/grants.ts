/**
 * Users and their privileges in the local bridge. chDB runs every statement as its one built-in
 * user and cannot switch users per query (impersonation is disabled in the embedded engine), so
 * the bridge checks each statement against the grants of the user who sent it, before the engine
 * sees it, and refuses the way a server does: code 497, ACCESS_DENIED, HTTP 403.
 *
 * Grants are written as in ClickHouse's `GRANT` (`'INSERT ON edgebear.events'`,
 * `'SELECT, ALTER DELETE ON edgebear.*'`), so the same text documents production
 * (docs/clickhouse.md). What is checked: writes (INSERT, ALTER DELETE / lightweight DELETE, other
 * ALTERs, CREATE, DROP, TRUNCATE, OPTIMIZE) by table; statements that read (SELECT, SHOW, …) are
 * allowed to every user, since both of Edgebear's users may read the whole database.
 */
import { ClickHouseHttpError } from './http-error';
import { type Token, tokenize } from './sql';

export interface BridgeUser {
  name: string;
  password: string;
  /** ClickHouse grant text, e.g. `SELECT ON edgebear.*`; `ALL ON *.*` for an administrator. */
  grants: readonly string[];
}

/** What a statement needs: a privilege on `database.table` (`*` for a whole database or all). */
export interface RequiredGrant {
  privilege: string;
  database: string;
  table: string;
}

interface Grant {
  privileges: string[];
  database: string;
  table: string;
}

function parseGrant(text: string): Grant {
  const match = /^\s*(.+?)\s+ON\s+([A-Za-z0-9_*]+)\.([A-Za-z0-9_*]+)\s*$/i.exec(text);
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) {
    throw new Error(`Cannot read grant ${JSON.stringify(text)}; expected "PRIVILEGE[, …] ON db.table"`);
  }
  return {
    privileges: match[1].split(',').map((p) => p.trim().toUpperCase().replace(/\s+/g, ' ')),
    database: match[2],
    table: match[3],
  };
}

/** True when `privilege` is `held` or implied by it (`ALL` implies everything, `ALTER` its kinds). */
function implies(held: string, privilege: string): boolean {
  return held === 'ALL' || held === privilege || (held === 'ALTER' && privilege.startsWith('ALTER '));
}

/** Checks a user's grants; an unknown grant text fails at start-up, not on the first query. */
export function grantChecker(user: BridgeUser): (required: RequiredGrant | undefined) => void {
  const grants = user.grants.map(parseGrant);
  return (required) => {
    if (required === undefined) return;
    const allowed = grants.some(
      (grant) =>
        grant.privileges.some((held) => implies(held, required.privilege)) &&
        (grant.database === '*' || grant.database === required.database) &&
        (grant.table === '*' || grant.table === required.table),
    );
    if (!allowed) {
      throw new ClickHouseHttpError(
        497,
        'ACCESS_DENIED',
        `${user.name}: Not enough privileges. To execute this query, it's necessary to have the grant ${required.privilege} ON ${required.database}.${required.table}`,
        403,
      );
    }
  };
}

/**
 * Statements that need no write privilege here: reads and descriptions, and `SET` / `USE`, which
 * any user may run.
 */
const READING = new Set([
  'SELECT',
  'WITH',
  'SHOW',
  'DESC',
  'DESCRIBE',
  'EXISTS',
  'EXPLAIN',
  'CHECK',
  '(',
  'SET',
  'USE',
]);

/**
 * The privilege a statement needs, or undefined for a read. `{name:Identifier}` placeholders are
 * resolved from the request's parameters, as the engine would, so `ALTER TABLE {table:Identifier}`
 * is checked against the table it really names.
 */
export function requiredGrant(
  sql: string,
  database: string,
  params: ReadonlyMap<string, string>,
): RequiredGrant | undefined {
  // The head of a statement names what it touches; an INSERT's rows after it need no lexing.
  const tokens: Token[] = [];
  for (const token of tokenize(sql)) {
    tokens.push(token);
    if (tokens.length >= 64) break;
  }
  let i = 0;
  const word = (offset = 0): string => {
    const token = tokens[i + offset];
    return token?.type === 'word' ? token.text.toUpperCase() : token?.type === 'punct' ? token.text : '';
  };
  const skip = (...words: string[]): void => {
    while (words.includes(word())) i++;
  };
  /** Reads `[db.]name`, a quoted name or an Identifier placeholder at the cursor. */
  const name = (): { database: string; table: string } => {
    const first = part(tokens, i, sql, params);
    i = first.next;
    if (word() === '.') {
      const second = part(tokens, i + 1, sql, params);
      i = second.next;
      return { database: first.text, table: second.text };
    }
    const dotted = /^([^.]+)\.(.+)$/.exec(first.text);
    if (dotted?.[1] !== undefined && dotted[2] !== undefined)
      return { database: dotted[1], table: dotted[2] };
    return { database, table: first.text };
  };

  const head = word();
  if (READING.has(head)) return undefined;
  i++;
  switch (head) {
    case 'INSERT': {
      skip('INTO', 'TABLE');
      if (word() === 'FUNCTION') return { privilege: 'INSERT', database: '*', table: '*' };
      return { privilege: 'INSERT', ...name() };
    }
    case 'DELETE': {
      skip('FROM');
      // A lightweight DELETE needs the same grant as ALTER … DELETE.
      return { privilege: 'ALTER DELETE', ...name() };
    }
    case 'ALTER': {
      skip('TABLE', 'TEMPORARY');
      const target = name();
      if (word() === 'ON' && word(1) === 'CLUSTER') i += 3;
      const action = word();
      const privilege = action === 'DELETE' ? 'ALTER DELETE' : action === 'UPDATE' ? 'ALTER UPDATE' : 'ALTER';
      return { privilege, ...target };
    }
    case 'CREATE':
    case 'ATTACH':
    case 'DROP':
    case 'DETACH':
    case 'TRUNCATE':
    case 'OPTIMIZE':
    case 'RENAME':
    case 'EXCHANGE': {
      const privilege = head === 'ATTACH' ? 'CREATE' : head === 'DETACH' ? 'DROP' : head;
      skip('OR', 'REPLACE', 'TEMPORARY', 'MATERIALIZED', 'LIVE', 'WINDOW');
      const kind = word();
      if (kind === 'DATABASE') {
        i++;
        skip('IF', 'NOT', 'EXISTS');
        return { privilege, database: part(tokens, i, sql, params).text, table: '*' };
      }
      if (kind !== 'TABLE' && kind !== 'VIEW' && kind !== 'DICTIONARY' && kind !== 'TABLES') {
        // Users, roles, functions, named collections…: server-wide objects.
        return { privilege, database: '*', table: '*' };
      }
      i++;
      skip('IF', 'NOT', 'EXISTS');
      return { privilege, ...name() };
    }
    default:
      // SYSTEM, KILL, GRANT, SET ROLE, …: administration, granted only with ALL ON *.*.
      return { privilege: head === '' ? 'ALL' : head, database: '*', table: '*' };
  }
}

/** The text of one name at `index`: a word, a quoted identifier or an `{x:Identifier}` placeholder. */
function part(
  tokens: Token[],
  index: number,
  sql: string,
  params: ReadonlyMap<string, string>,
): { text: string; next: number } {
  const token = tokens[index];
  if (token === undefined) return { text: '', next: index };
  if (token.type === 'word') return { text: token.text, next: index + 1 };
  if (token.type === 'literal') {
    return { text: sql.slice(token.start + 1, token.end - 1), next: index + 1 };
  }
  const parameter = tokens[index + 1];
  if (token.text === '{' && parameter?.type === 'word') {
    let end = index + 2;
    while (end < tokens.length && !isPunct(tokens[end], '}')) end++;
    return { text: params.get(parameter.text) ?? '', next: end + 1 };
  }
  return { text: token.text, next: index + 1 };
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.type === 'punct' && token.text === text;
}
