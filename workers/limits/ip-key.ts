import { limiterAddress } from './ip-address';

export { limiterAddress } from './ip-address';

const encoder = new TextEncoder();

/**
 * The imported HMAC key of the last secret used: one secret per deployment, imported once per
 * isolate. The key itself is kept, not the import's promise: a promise of crypto.subtle belongs
 * to the request that made it, and another request awaiting it fails in workerd.
 */
let imported: { secret: string; key: CryptoKey } | null = null;

async function hmacKey(secret: string): Promise<CryptoKey> {
  if (imported?.secret === secret) return imported.key;
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  imported = { secret, key };
  return key;
}

/**
 * Turns a client IP into a rate-limit key (32 hex chars), so raw IPs never become Durable
 * Object names, which the operator can see in the Cloudflare dashboard.
 *
 * The address is first cut to the client it names (`limiterAddress`): an IPv4 address as it is,
 * an IPv6 address to its /64, so a client cannot step around a limit by rotating through the
 * addresses of its own prefix.
 *
 * Without `secretSalt` this is a plain SHA-256 prefix, which hides nothing from someone
 * determined: all 2³² IPv4 addresses can be hashed in minutes. Pass a per-deployment
 * secret (`Config.ipKeySecret`, from IP_KEY_SECRET) and the key becomes an HMAC that cannot be
 * reversed without it. The salt must stay stable: changing it renames every key and so resets
 * every per-IP bucket once.
 */
export async function ipKey(ip: string, secretSalt?: string | null): Promise<string> {
  const data = encoder.encode(limiterAddress(ip));
  const digest = secretSalt
    ? await crypto.subtle.sign('HMAC', await hmacKey(secretSalt), data)
    : await crypto.subtle.digest('SHA-256', data);
  // 128 bits: collisions among billions of addresses stay vanishingly unlikely.
  return [...new Uint8Array(digest, 0, 16)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
