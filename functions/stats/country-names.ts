import type { Filter } from './validate';

/**
 * `visit:country_name`: events store ISO 3166-1 alpha-2 codes; names are derived here, in English,
 * from the runtime's ICU data. Filters on names become filters on codes before planning, so SQL
 * only ever sees codes (as parameters).
 */

/** A code no country has: what a name filter that matches nothing becomes. */
const NO_COUNTRY = '~~';

let table: Map<string, string> | null = null;

/** code → English name, for every code ICU knows. */
function countries(): Map<string, string> {
  if (table) return table;
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  table = new Map();
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      // Deprecated codes (DD, YU, SU…) canonicalise to today's; they would repeat its name.
      if (new Intl.Locale(`und-${code}`).region !== code || code === 'ZZ') continue;
      const name = names.of(code);
      if (name && name !== code) table.set(code, name);
    }
  }
  return table;
}

/** English name of an alpha-2 code; the code itself when unknown (and '' stays ''). */
export function countryName(code: string): string {
  return countries().get(code) ?? code;
}

function matches(
  name: string,
  op: 'is' | 'contains' | 'matches',
  value: string,
  caseSensitive: boolean,
): boolean {
  const a = caseSensitive ? name : name.toLowerCase();
  const b = caseSensitive ? value : value.toLowerCase();
  if (op === 'is') return a === b;
  if (op === 'contains') return a.includes(b);
  try {
    return new RegExp(value, caseSensitive ? '' : 'i').test(name);
  } catch {
    return false;
  }
}

/** Rewrites every condition on `visit:country_name` into one on `visit:country` codes. */
export function countryNameFiltersToCodes(filters: Filter[]): Filter[] {
  const rewrite = (f: Filter): Filter => {
    if ('filter' in f) return { kind: f.kind, filter: rewrite(f.filter) };
    if (f.kind !== 'condition') return { kind: f.kind, filters: f.filters.map(rewrite) };
    if (f.dimension !== 'visit:country_name') return f;
    const negative = f.op.endsWith('_not');
    const op = (negative ? f.op.slice(0, -4) : f.op) as 'is' | 'contains' | 'matches';
    const codes = [...countries()]
      .filter(([, name]) => f.values.some((value) => matches(name, op, value, f.caseSensitive)))
      .map(([code]) => code);
    return {
      kind: 'condition',
      op: negative ? 'is_not' : 'is',
      dimension: 'visit:country',
      values: codes.length > 0 ? codes : [NO_COUNTRY],
      caseSensitive: true,
    };
  };
  return filters.map(rewrite);
}
