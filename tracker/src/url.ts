/** The parts of `location` the tracker reads; a plain object in tests. */
export interface PageLocation {
  href: string;
  pathname: string;
  search: string;
  hash: string;
}

/**
 * The page address sent as `u`.
 *
 * - The fragment is dropped unless the site uses hash routing: fragments can carry secrets
 *   (`#access_token=…` in OAuth implicit flows) and are not pages on most sites.
 * - With a canonical URL (`<link rel="canonical">`, when `data-canonical` is set) its origin and
 *   path replace the page's, but the page's own query string is kept so campaign tags
 *   (`utm_*`, `ref`) still reach the server.
 */
export function pageUrl(location: PageLocation, canonical: string | undefined, hashMode: boolean): string {
  return (
    (canonical ? canonical.split(/[?#]/)[0] + location.search : location.href.split('#')[0]) +
    (hashMode ? location.hash : '')
  );
}

/**
 * What identifies "the same page" for pageview de-duplication: the path, plus the fragment in
 * hash mode. A change of query string alone (filters, search-as-you-type with replaceState) is
 * not a new pageview, nor is a pushState/replaceState/popstate that lands on the same path.
 */
export function pageKey(location: PageLocation, hashMode: boolean): string {
  return location.pathname + (hashMode ? location.hash : '');
}
