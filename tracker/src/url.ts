/**
 * The page address sent as `u`, read from `location`.
 *
 * - The fragment is dropped unless the site uses hash routing: fragments can carry secrets
 *   (`#access_token=…` in OAuth implicit flows) and are not pages on most sites.
 * - With a canonical URL (`<link rel="canonical">`, when `data-canonical` is set) its origin and
 *   path replace the page's, but the page's own query string is kept so campaign tags
 *   (`utm_*`, `ref`) still reach the server.
 *
 * (The helpers read the `location` global rather than take it as a parameter: single-use
 * functions without parameters inline into the built script, with parameters they do not.)
 */
export function pageUrl(canonicalUrl: string | undefined, withFragment: boolean): string {
  return (
    (canonicalUrl ? canonicalUrl.split(/[?#]/)[0] + location.search : location.href.split('#')[0]) +
    (withFragment ? location.hash : '')
  );
}

/**
 * What identifies "the same page" for pageview de-duplication: the path, plus the fragment in
 * hash mode. A change of query string alone (filters, search-as-you-type with replaceState) is
 * not a new pageview, nor is a pushState/replaceState/popstate that lands on the same path.
 */
export function pageKey(withFragment: boolean): string {
  return location.pathname + (withFragment ? location.hash : '');
}
