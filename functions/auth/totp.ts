/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) as authenticator apps expect
 * them: HMAC-SHA-1, 30-second steps, 6 digits, base32 secrets, `otpauth://totp/` URIs.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** 160 bits, the HMAC-SHA-1 block-friendly size RFC 4226 recommends. */
const SECRET_BYTES = 20;

/** RFC 4648 base32 without padding, as authenticator apps read it. */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, ignoring case, spaces and padding; throws on other characters. */
export function base32Decode(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error('not base32');
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** A fresh random secret, base32. */
export function generateTotpSecret(): string {
  return base32Encode(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The HOTP value for one counter (RFC 4226 §5.3), zero-padded to `digits`. */
export async function hotp(
  secret: Uint8Array<ArrayBuffer>,
  counter: number,
  digits = TOTP_DIGITS,
): Promise<string> {
  const message = new Uint8Array(8);
  // The counter is a 64-bit big-endian integer; steps stay far below 2^53.
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, message));
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary =
    (((mac[offset] ?? 0) & 0x7f) << 24) |
    ((mac[offset + 1] ?? 0) << 16) |
    ((mac[offset + 2] ?? 0) << 8) |
    (mac[offset + 3] ?? 0);
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step a Unix time (seconds) falls in. */
export function totpStep(unixSeconds: number, period = TOTP_PERIOD_SECONDS): number {
  return Math.floor(unixSeconds / period);
}

/** The TOTP code at a Unix time (seconds). */
export function totpCode(
  secret: Uint8Array<ArrayBuffer>,
  unixSeconds: number,
  options: { digits?: number; period?: number } = {},
): Promise<string> {
  return hotp(secret, totpStep(unixSeconds, options.period), options.digits);
}

/**
 * The step `code` is valid for, within ±`window` steps of now (clocks on phones drift), or
 * null. Callers remember the step and refuse it, and anything before it, next time, so an
 * observed code cannot be replayed within its validity.
 */
export async function matchTotp(
  secretBase32: string,
  code: string,
  unixSeconds: number,
  options: { window?: number; notAfterStep?: number } = {},
): Promise<number | null> {
  const clean = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(clean)) return null;
  const secret = base32Decode(secretBase32);
  const now = totpStep(unixSeconds);
  const window = options.window ?? 1;
  let matched: number | null = null;
  // Every candidate is computed, so the time taken does not say which step matched.
  for (let step = now - window; step <= now + window; step++) {
    const candidate = await hotp(secret, step);
    if (candidate === clean && matched === null && step > (options.notAfterStep ?? -1)) matched = step;
  }
  return matched;
}

/** The `otpauth://` URI authenticator apps scan from a QR code (Key Uri Format). */
export function otpauthUri(options: { secret: string; account: string; issuer: string }): string {
  const label = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.account)}`;
  const params = new URLSearchParams({
    secret: options.secret,
    issuer: options.issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_PERIOD_SECONDS),
  });
  return `otpauth://totp/${label}?${params.toString()}`;
}
