/**
 * Server-side events: a customer's server (or proxy) that sends `Authorization: Bearer <API key>`
 * with the `events:write` scope may say who the visitor is — their IP in `X-Forwarded-For`, their
 * browser in `User-Agent` — instead of being counted as the visitor itself. See docs/tracker.md.
 */
import { hashToken } from '../../functions/auth/tokens';
import { type VerifiedKey, verifyApiKey } from '../../functions/keys/verify';
import { canonicalIp } from '../limits/ip-address';
import { LookupCache } from '../runtime/lookup-cache';
import { PayloadError } from './payload/types';

/** How long an isolate trusts a verified key: also how long a revoked key may still send. */
export const KEY_CACHE_SECONDS = 60;
/** How long an isolate remembers that a key is unknown or revoked. */
const UNKNOWN_KEY_SECONDS = 10;
/** Keys an isolate remembers at most, each way. */
const MAX_CACHED_KEYS = 1_000;

/**
 * The `Authorization` header when it claims an API key (the Bearer scheme), else null. Other
 * schemes are not ours: a first-party proxy that copies a site's Basic credentials along with the
 * beacon must not turn it into a refused server-side event.
 */
export function bearerAuthorization(headers: Headers): string | null {
  const value = headers.get('authorization');
  return value !== null && /^bearer(\s|$)/i.test(value.trim()) ? value.trim() : null;
}

/**
 * The visitor's IP that a server forwards: the first address of `X-Forwarded-For` (the client
 * end of the proxy chain), in canonical form; null when the header is absent or empty. Throws
 * `invalid_field` when the first entry is not an address, so a misconfigured sender learns it at
 * once instead of counting every visitor as one.
 */
export function forwardedVisitorIp(headers: Headers): string | null {
  const value = headers.get('x-forwarded-for');
  if (value === null || value.trim() === '') return null;
  const first = value.split(',', 1)[0] ?? '';
  const ip = canonicalIp(first);
  if (ip === null) {
    throw new PayloadError('invalid_field', "X-Forwarded-For must begin with the visitor's IP address");
  }
  return ip;
}

/**
 * Verified API keys remembered in the isolate (`KEY_CACHE_SECONDS`), so a server sending
 * thousands of events costs one D1 read a minute per isolate, not one per event. Concurrent
 * requests with the same key share one read. Keys are held by their SHA-256, never as sent.
 */
export class ServerKeys {
  private readonly cache: LookupCache<VerifiedKey>;

  constructor(
    private readonly db: D1Database,
    now: () => number = Date.now,
  ) {
    this.cache = new LookupCache({
      found: { maxEntries: MAX_CACHED_KEYS, ttlMs: KEY_CACHE_SECONDS * 1000 },
      missing: { maxEntries: MAX_CACHED_KEYS, ttlMs: UNKNOWN_KEY_SECONDS * 1000 },
      now,
      what: 'API key lookup',
    });
  }

  /** D1 reads so far. */
  get queries(): number {
    return this.cache.loads;
  }

  /** The key an `Authorization: Bearer …` header carries, or null when it is unknown, malformed or revoked. */
  async verify(authorization: string): Promise<VerifiedKey | null> {
    return this.cache.get(await hashToken(authorization), () => verifyApiKey(this.db, authorization));
  }
}

/** Why a verified key may not send `siteId`'s events, or null when it may. */
export function keyRefusal(
  key: VerifiedKey,
  site: { id: number; billingProfileId: number | null } | null,
): string | null {
  if (!key.scopes.includes('events:write')) return 'this API key lacks the events:write scope';
  // An unknown domain and another account's site get the same answer: no probing for sites.
  if (
    !site ||
    site.billingProfileId !== key.billingProfileId ||
    (key.siteId !== null && key.siteId !== site.id)
  ) {
    return 'this API key may not send events for this site';
  }
  return null;
}
