/**
 * Whether an event for a page on `hostname` may be counted for a site: it keeps other people's
 * copies of a page (scrapers, mirrors, a snippet pasted elsewhere) out of the site's numbers.
 *
 * - No allow-list: the site's domain and all its subdomains are allowed (`blog.example.com`
 *   counts for `example.com`).
 * - With an allow-list: only the site's domain itself plus the listed hosts are allowed. The
 *   list replaces the subdomain rule, so an owner can count `shop.example.com` but not
 *   `staging.example.com`; the domain itself always stays, so adding a host never cuts off the
 *   main site by accident. Entries are exact hosts or `*.example.com`, which matches every
 *   subdomain of `example.com` at any depth but not `example.com` itself.
 *
 * Hosts compare lower-case and without a leading `www.`, so `www.example.com` is `example.com`.
 */
export function isHostnameAllowed(hostname: string, siteDomain: string, allowed: string[]): boolean {
  const host = normalise(hostname);
  const domain = normalise(siteDomain);
  if (host === '') return false;
  if (host === domain) return true;
  if (allowed.length === 0) return host.endsWith(`.${domain}`);
  for (const entry of allowed) {
    const pattern = normalise(entry);
    if (pattern.startsWith('*.')) {
      if (host.endsWith(pattern.slice(1))) return true;
    } else if (pattern !== '' && host === pattern) {
      return true;
    }
  }
  return false;
}

function normalise(host: string): string {
  let value = host.trim().toLowerCase();
  if (value.endsWith('.')) value = value.slice(0, -1);
  return value.startsWith('www.') ? value.slice(4) : value;
}
