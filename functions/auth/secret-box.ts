import { isDevelopment } from '../../workers/config';
import { log } from '../../workers/observability/log';
import { base64url, fromBase64url } from './tokens';

const encoder = new TextEncoder();

/**
 * Used when `TOTP_ENCRYPTION_KEY` is not set in development and tests, so development databases
 * never hold a readable TOTP secret either. Not a secret: production (anything that is not
 * development) refuses 2FA without its own key (see `totpKeyMaterial`).
 */
const DEVELOPMENT_KEY = 'edgebear development totp key (not secret)';

/**
 * The key material for TOTP secrets, or null when 2FA cannot be offered (production without a
 * key). Each refusal is logged, so the operator sees why 2FA setup and sign-in fail.
 */
export function totpKeyMaterial(env: { TOTP_ENCRYPTION_KEY?: string; ENVIRONMENT?: string }): string | null {
  if (env.TOTP_ENCRYPTION_KEY) return env.TOTP_ENCRYPTION_KEY;
  if (isDevelopment(env)) return DEVELOPMENT_KEY;
  log('error', 'TOTP_ENCRYPTION_KEY is not set: two-factor authentication is refused', {
    fix: 'wrangler secret put TOTP_ENCRYPTION_KEY --env production',
  });
  return null;
}

async function aesKey(material: string): Promise<CryptoKey> {
  // Any string works as material: its SHA-256 is the 256-bit AES key.
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(material));
  return crypto.subtle.importKey('raw', digest, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** AES-256-GCM: `v1.<iv>.<ciphertext+tag>`, base64url. `context` is bound as additional data. */
export async function seal(plaintext: string, material: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(context) },
    await aesKey(material),
    encoder.encode(plaintext),
  );
  return `v1.${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
}

/** The inverse of `seal`; throws when the key or context is wrong or the box was altered. */
export async function open(box: string, material: string, context: string): Promise<string> {
  const [version, iv, data] = box.split('.');
  if (version !== 'v1' || !iv || !data) throw new Error('unknown sealed format');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64url(iv), additionalData: encoder.encode(context) },
    await aesKey(material),
    fromBase64url(data),
  );
  return new TextDecoder().decode(plain);
}
