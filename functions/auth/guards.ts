import type { Context, MiddlewareHandler } from 'hono';
import { readJsonObject } from '../../workers/http/body';
import { ApiError } from '../errors';

const MAX_JSON_BYTES = 8 * 1024;

/**
 * For auth POSTs that may come without a session (signup, login, password reset, email
 * verification): requires `Content-Type: application/json`, which an HTML form cannot send
 * and a cross-site script cannot send without a CORS preflight (never granted), and, when the
 * browser sends `Origin`, that it is this host. Together they stop login CSRF.
 */
export const requireJsonSameOrigin: MiddlewareHandler = async function requireJsonSameOrigin(c, next) {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    const origin = c.req.header('origin');
    if (origin !== undefined && !sameHost(origin, c.req.url)) {
      throw new ApiError(403, 'csrf', 'Cross-site requests are not allowed here.');
    }
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      throw new ApiError(
        415,
        'unsupported_media_type',
        'Send the body as JSON (Content-Type: application/json).',
      );
    }
  }
  await next();
};

function sameHost(origin: string, url: string): boolean {
  try {
    return new URL(origin).host === new URL(url).host;
  } catch {
    // `Origin: null` (sandboxed frames, some redirects) and garbage are never this host.
    return false;
  }
}

/** The JSON object body, at most 8 KB (an empty body reads as `{}`); 413 or 400 for anything else. */
export function readJson(c: Context): Promise<Record<string, unknown>> {
  return readJsonObject(c.req.raw, { maxBytes: MAX_JSON_BYTES, emptyAsObject: true });
}

/** A required string field; 400 `invalid_request` naming it when missing. */
export function stringField(body: Record<string, unknown>, name: string, maxLength = 1024): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new ApiError(400, 'invalid_request', `The field "${name}" is required.`);
  }
  if (value.length > maxLength)
    throw new ApiError(400, 'invalid_request', `The field "${name}" is too long.`);
  return value;
}

export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed and lower-cased, so one address is one account however it is typed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function emailField(body: Record<string, unknown>): string {
  const email = normalizeEmail(stringField(body, 'email', 254));
  if (!EMAIL_PATTERN.test(email)) throw new ApiError(400, 'invalid_email', 'Enter a valid email address.');
  return email;
}
