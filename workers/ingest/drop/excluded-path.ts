/**
 * Excluded paths: page patterns a site owner does not want counted (admin pages, previews).
 *
 * A pattern is a path starting with `/` in which `*` matches any run of characters within one
 * segment (never a `/`) and `**` matches across segments; everything else matches literally and
 * the whole pathname must match. So `/admin/**` drops `/admin/users/7`, `/blog/*` drops
 * `/blog/hello` but not `/blog/hello/comments`, and `/preview` drops exactly `/preview`.
 */
export const MAX_EXCLUDED_PATHS = 50;
export const MAX_EXCLUDED_PATH_LENGTH = 200;

/** Why a pattern is not valid, or null when it is. Used by the sites API before it stores one. */
export function excludedPathProblem(pattern: string): string | null {
  if (!pattern.startsWith('/')) return 'must start with /';
  if (pattern.length > MAX_EXCLUDED_PATH_LENGTH)
    return `must be at most ${MAX_EXCLUDED_PATH_LENGTH} characters`;
  if (/[\s?#]/.test(pattern)) return 'must be a path without spaces, query or fragment';
  if (pattern.includes('***')) return 'may use * or **, not ***';
  return null;
}

function toRegExp(patterns: readonly string[]): RegExp | null {
  const alternatives = patterns
    .filter((p) => excludedPathProblem(p) === null)
    .map((pattern) =>
      pattern
        .split('**')
        .map((part) =>
          part
            .split('*')
            .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('[^/]*'),
        )
        .join('.*'),
    );
  return alternatives.length === 0 ? null : new RegExp(`^(?:${alternatives.join('|')})$`);
}

// One compiled expression per site config: the pattern array lives as long as its cache entry,
// so events compile nothing.
const compiled = new WeakMap<readonly string[], RegExp | null>();

/** Whether an event for `pathname` is to be dropped by the site's excluded paths. */
export function isPathExcluded(pathname: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  let matcher = compiled.get(patterns);
  if (matcher === undefined) {
    matcher = toRegExp(patterns);
    compiled.set(patterns, matcher);
  }
  return matcher?.test(pathname) ?? false;
}
