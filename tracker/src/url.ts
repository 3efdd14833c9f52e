import { canonical, hashMode } from './options';

/**
 * The page address sent as `u`, read from `location` (and the document, for the canonical link).
 *
 * - The fragment is dropped unless the site uses hash routing: fragments can carry secrets
 *   (`#access_token=…` in OAuth implicit flows) and are not pages on most sites.
 * - With `data-canonical` and a `<link rel="canonical">`, its origin and path replace the page's,
 *   but the page's own query string is kept so campaign tags (`utm_*`, `ref`) still reach the server.
 */
export function pageUrl(): string {
  // Origin and path of the canonical link or of the page, then the page's query and route.
  return (
    (
      (canonical && document.querySelector<HTMLLinkElement>('link[rel=canonical]')?.href) ||
      location.href
    ).split(/[?#]/)[0] +
    location.search +
    (hashMode ? location.hash : '')
  );
}

/**
 * What identifies "the same page" for pageview de-duplication: the path, plus the fragment in
 * hash mode. A change of query string alone (filters, search-as-you-type with replaceState) is
 * not a new pageview, nor is a pushState/replaceState/popstate that lands on the same path.
 */
export function pageKey(): string {
  return location.pathname + (hashMode ? location.hash : '');
}
