const encoder = new TextEncoder();

/**
 * Turns a client IP into a rate-limit key (32 hex chars), so raw IPs never become Durable
 * Object names, which the operator can see in the Cloudflare dashboard.
 *
 * Without `secretSalt` this is a plain SHA-256 prefix, which hides nothing from someone
 * determined: all 2³² IPv4 addresses can be hashed in minutes. Pass a per-deployment
 * secret (e.g. a `wrangler secret`) and the key becomes an HMAC that cannot be reversed
 * without it. The salt must stay stable: changing it renames every key and so resets
 * every per-IP bucket once.
 */
export async function ipKey(ip: string, secretSalt?: string): Promise<string> {
  // Case-insensitive IPv6 spellings must not become two keys.
  const data = encoder.encode(ip.trim().toLowerCase());
  let digest: ArrayBuffer;
  if (secretSalt) {
    const key = await crypto.subtle.importKey(
      'raw',
      encoder.encode(secretSalt),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    digest = await crypto.subtle.sign('HMAC', key, data);
  } else {
    digest = await crypto.subtle.digest('SHA-256', data);
  }
  // 128 bits: collisions among billions of addresses stay vanishingly unlikely.
  return [...new Uint8Array(digest, 0, 16)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
