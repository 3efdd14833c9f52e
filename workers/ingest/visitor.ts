/**
 * Cookieless visitor identity. A visitor is a keyed hash of (daily salt, site, IP, user agent):
 * stable for one site within one UTC day, unlinkable across days and sites, and impossible to
 * recompute once the day's salt is deleted (48 h after the day began, by the salt cron). Visits are
 * not made here: the queue consumer assigns them (docs/visits.md).
 */

const encoder = new TextEncoder();

/** UTC day, YYYY-MM-DD, that selects the salt. */
export function saltDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** Imports a hex salt as an HMAC-SHA-256 key. */
export function importSalt(saltHex: string): Promise<CryptoKey> {
  const bytes = new Uint8Array(saltHex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(saltHex.slice(i * 2, i * 2 + 2), 16);
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** Hash that identifies a visitor for one day on one site; the IP never leaves this function. */
export async function visitorId(
  key: CryptoKey,
  siteId: number,
  ip: string,
  userAgent: string,
): Promise<bigint> {
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${siteId}\n${ip}\n${userAgent}`));
  return new DataView(mac).getBigUint64(0);
}

/**
 * The visit id an event carries from ingest to the queue consumer. Ingest keeps no visit state:
 * the consumer replaces it with the id of the event's visit by the 30-minute rule, kept per site
 * shard in a VisitTracker Durable Object (workers/visits, docs/visits.md).
 */
export const VISIT_ID_PLACEHOLDER = '0';
