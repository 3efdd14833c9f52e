/**
 * Excluded paths: page patterns a site owner does not want counted (admin pages, previews).
 *
 * A pattern is a path starting with `/` in which `*` matches any run of characters within one
 * segment (never a `/`) and `**` matches across segments; everything else matches literally and
 * the whole pathname must match. So `/admin/**` drops `/admin/users/7`, `/blog/*` drops
 * `/blog/hello` but not `/blog/hello/comments`, and `/preview` drops exactly `/preview`.
 *
 * Matching runs in time linear in the path for each pattern (at most
 * {@link MAX_EXCLUDED_PATH_WILDCARDS} + 1 passes over it), whatever the pattern: no regular
 * expression, no backtracking. Visitors choose the paths, so a pattern like `/*a*a*a*a*b` must not
 * let a long path burn the Worker's CPU.
 */
export const MAX_EXCLUDED_PATHS = 50;
export const MAX_EXCLUDED_PATH_LENGTH = 200;
/** `*` or `**` per pattern at most; each one costs a pass over the path. */
export const MAX_EXCLUDED_PATH_WILDCARDS = 8;

/** Why a pattern is not valid, or null when it is. Used by the sites API before it stores one. */
export function excludedPathProblem(pattern: string): string | null {
  if (!pattern.startsWith('/')) return 'must start with /';
  if (pattern.length > MAX_EXCLUDED_PATH_LENGTH)
    return `must be at most ${MAX_EXCLUDED_PATH_LENGTH} characters`;
  if (/[\s?#]/.test(pattern)) return 'must be a path without spaces, query or fragment';
  if (pattern.includes('***')) return 'may use * or **, not ***';
  if ((pattern.match(/\*\*?/g)?.length ?? 0) > MAX_EXCLUDED_PATH_WILDCARDS)
    return `may use at most ${MAX_EXCLUDED_PATH_WILDCARDS} wildcards (* or **)`;
  return null;
}

/**
 * A pattern as literals between wildcards: `literals[0]`, then `stars[0]`, `literals[1]`, …
 * Each literal carries its KMP failure table, so finding all its occurrences is one pass.
 */
interface Glob {
  literals: string[];
  /** Each literal as UTF-16 codes, for the KMP scan. */
  codes: Uint16Array[];
  failures: Int32Array[];
  /** true: `**` (anything); false: `*` (anything but `/`). */
  stars: boolean[];
}

function compile(pattern: string): Glob {
  const literals: string[] = [];
  const stars: boolean[] = [];
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '*') {
      literal += pattern[i];
      continue;
    }
    const double = pattern[i + 1] === '*';
    if (double) i++;
    literals.push(literal);
    stars.push(double);
    literal = '';
  }
  literals.push(literal);
  const codes = literals.map((word) => Uint16Array.from(word, (_, i) => word.charCodeAt(i)));
  return { literals, codes, failures: codes.map(failureTable), stars };
}

/** KMP: for each prefix of `word`, the length of its longest proper prefix that is also its suffix. */
function failureTable(word: Uint16Array): Int32Array {
  const table = new Int32Array(word.length);
  for (let i = 1, k = 0; i < word.length; i++) {
    while (k > 0 && word[i] !== word[k]) k = table[k - 1] ?? 0;
    if (word[i] === word[k]) k++;
    table[i] = k;
  }
  return table;
}

/** A compiled set of patterns; `steps` counts the work done so far (tests bound it). */
export interface ExcludedPathMatcher {
  test(pathname: string): boolean;
  readonly steps: number;
}

/**
 * Compiles the valid patterns among `patterns` (invalid ones are ignored, as the sites API would
 * refuse them).
 *
 * How one pattern matches: the first literal must start the path and the last must end it. In
 * between, `reach` holds every position at which the part of the pattern matched so far can end.
 * A wildcard spreads each reachable position forward — to the end of the path for `**`, to the
 * next `/` for `*` — in one sweep; the literal that follows is then found at every such start
 * with one KMP pass. Each step is a pass over the path, so a pattern costs at most
 * (wildcards + 1) × path length, where a backtracking matcher can take exponential time.
 */
export function excludedPathMatcher(patterns: readonly string[]): ExcludedPathMatcher {
  const globs = patterns.filter((p) => excludedPathProblem(p) === null).map(compile);
  let steps = 0;

  function matches(glob: Glob, path: string): boolean {
    const { literals, codes, failures, stars } = glob;
    const first = literals[0] ?? '';
    const last = literals[literals.length - 1] ?? '';
    const n = path.length;
    steps += first.length + last.length;
    if (stars.length === 0) return path === first;
    if (n < first.length + last.length || !path.startsWith(first) || !path.endsWith(last)) return false;

    // The path as codes, read once: indexing a typed array is cheaper than charCodeAt per pass.
    const text = new Uint16Array(n);
    for (let i = 0; i < n; i++) text[i] = path.charCodeAt(i);
    // reach[p]: the pattern so far can end just before path[p]. Two buffers, swapped per step.
    let reach = new Uint8Array(n + 1);
    let starts = new Uint8Array(n + 1);
    reach[first.length] = 1;
    const lastStart = n - last.length;
    for (let s = 0; s < stars.length; s++) {
      const anything = stars[s] === true;
      // The wildcard: a start is any position reachable by skipping characters (never a `/` for `*`).
      let open = false;
      let any = false;
      for (let p = 0; p < n; p++) {
        if (reach[p] === 1) open = true;
        starts[p] = open ? 1 : 0;
        if (open) any = true;
        if (!anything && text[p] === 47) open = false;
      }
      // Position n, past the last character: the end of the path, where no `/` follows.
      if (reach[n] === 1) open = true;
      starts[n] = open ? 1 : 0;
      if (open) any = true;
      steps += n + 1;
      if (!any) return false;
      if (s === stars.length - 1) return starts[lastStart] === 1;

      // The literal after it, at every start: one KMP pass finds all its occurrences.
      const word = codes[s + 1] ?? new Uint16Array(0);
      const table = failures[s + 1] ?? new Int32Array(0);
      if (word.length === 0) {
        [reach, starts] = [starts, reach];
        continue;
      }
      reach.fill(0);
      let found = false;
      // KMP moves forward once per character and falls back at most as often: ≤ 2 steps each.
      let work = lastStart;
      for (let i = 0, k = 0; i < lastStart; i++) {
        const c = text[i];
        while (k > 0 && c !== word[k]) {
          k = table[k - 1] ?? 0;
          work++;
        }
        if (c === word[k]) k++;
        if (k === word.length) {
          if (starts[i + 1 - word.length] === 1) {
            reach[i + 1] = 1;
            found = true;
          }
          k = table[k - 1] ?? 0;
        }
      }
      steps += work;
      if (!found) return false;
    }
    return false;
  }

  return {
    test(pathname: string): boolean {
      return globs.some((glob) => matches(glob, pathname));
    },
    get steps() {
      return steps;
    },
  };
}

// One compiled matcher per site config: the pattern array lives as long as its cache entry,
// so events compile nothing.
const compiled = new WeakMap<readonly string[], ExcludedPathMatcher>();

/** Whether an event for `pathname` is to be dropped by the site's excluded paths. */
export function isPathExcluded(pathname: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  let matcher = compiled.get(patterns);
  if (matcher === undefined) {
    matcher = excludedPathMatcher(patterns);
    compiled.set(patterns, matcher);
  }
  return matcher.test(pathname);
}
