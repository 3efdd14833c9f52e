import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';
import { base64url, fromBase64url } from '../auth/tokens';

/**
 * Links in mail that work without signing in (unsubscribe from a report or an alert): the token
 * carries its payload in clear and an HMAC-SHA256 over the purpose and the payload, keyed with
 * `MAIL_LINK_SECRET`. Nothing is stored; a token signed for one purpose is refused for another,
 * and any change to a byte of it is refused. Payloads must not be secret: they travel in URLs.
 */
export type LinkPayload = Record<string, string | number>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function keyFor(env: Env): Promise<CryptoKey> {
  const secret = configOf(env).mailLinkSecret;
  if (!secret) throw new Error('MAIL_LINK_SECRET is not set: signed mail links cannot be made or checked');
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

function message(purpose: string, body: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`edgebear mail link v1\n${purpose}\n${body}`);
}

/** A URL-safe token `<payload>.<signature>` carrying `payload`, signed for `purpose`. */
export async function signLink(env: Env, purpose: string, payload: LinkPayload): Promise<string> {
  const body = base64url(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign('HMAC', await keyFor(env), message(purpose, body));
  return `${body}.${base64url(new Uint8Array(signature))}`;
}

/** The payload, or null when the token was not signed by us for `purpose` (tampered, cut, other purpose). */
export async function verifyLink(env: Env, purpose: string, token: string): Promise<LinkPayload | null> {
  if (token.length > 2048) return null;
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return null;
  let signatureBytes: Uint8Array<ArrayBuffer>;
  let payload: unknown;
  try {
    signatureBytes = fromBase64url(signature);
    // verify compares in constant time.
    const ok = await crypto.subtle.verify('HMAC', await keyFor(env), signatureBytes, message(purpose, body));
    if (!ok) return null;
    payload = JSON.parse(decoder.decode(fromBase64url(body)));
  } catch {
    return null;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const entries = Object.entries(payload);
  if (!entries.every(([, v]) => typeof v === 'string' || typeof v === 'number')) return null;
  return Object.fromEntries(entries) as LinkPayload;
}
