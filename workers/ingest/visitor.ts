/**
 * Cookieless visitor identity. A visitor is a keyed hash of (daily salt, site, IP, user agent):
 * stable for one site within one UTC day, unlinkable across days and sites, and impossible to
 * recompute once the day's salt is deleted (48 h after the day began, by the salt cron).
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

const MASK64 = (1n << 64n) - 1n;

/**
 * A visit: the visitor's events within one UTC hour. Stateless by design (no session store
 * on the edge), at the price of splitting a visit that crosses the hour (docs/ingest.md).
 * SplitMix64 finaliser so ids of neighbouring hours look unrelated.
 */
export function sessionId(visitor: bigint, timestampSeconds: number): bigint {
  let z = (visitor ^ BigInt(Math.floor(timestampSeconds / 3600))) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}
