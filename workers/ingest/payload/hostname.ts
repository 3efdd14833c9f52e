/**
 * What counts as a hostname, for a site's domain (the sites API) and for the `d` of an event
 * (the ingest), so an event can name exactly the domains a site can have.
 */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** Already lower-case ASCII in hostname characters: no need for the URL parser's IDNA step. */
const PLAIN = /^[a-z0-9.-]+$/;

/**
 * A hostname in canonical form (lower-case, punycode, no trailing dot), or null when `input` is
 * not one: no scheme, path, port, user info, IP address or single-label name.
 */
export function canonicalHostname(input: string): string | null {
  let text = input.trim().toLowerCase();
  if (text === '' || text.length > 253) return null;
  if (/[\s/:?#@\\%'"`<>;,()=*]/.test(text)) return null;
  if (text.endsWith('.')) text = text.slice(0, -1);
  let host = text;
  if (!PLAIN.test(text)) {
    try {
      // The URL parser turns an internationalised name into punycode, as browsers send it.
      host = new URL(`http://${text}`).hostname;
    } catch {
      return null;
    }
  }
  if (host.length > 253) return null;
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  // The last label of a real name is never all digits; that is an IPv4 address.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return null;
  return host;
}
