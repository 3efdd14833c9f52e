import { readJsonObject } from '../../workers/http/body';
import { excludedPathProblem, MAX_EXCLUDED_PATHS } from '../../workers/ingest/drop/excluded-path';
import { canonicalHostname } from '../../workers/ingest/payload/hostname';
import { ApiError } from '../errors';

/** Input problems are 400s with a code naming the field, so a form can point at it. */
function invalid(code: string, message: string): ApiError {
  return new ApiError(400, code, message);
}

// One rule for what a hostname is, shared with the ingest's `d` (an event can name exactly the
// domains a site can have).
export { canonicalHostname };

/** A site's domain: a hostname, `www.` stripped (events from www.example.com count for example.com). */
export function parseDomain(value: unknown): string {
  if (typeof value !== 'string') throw invalid('invalid_domain', 'domain is required, e.g. "example.com"');
  const host = canonicalHostname(value);
  if (host === null) {
    throw invalid(
      'invalid_domain',
      'domain must be a hostname like "example.com", without https://, path or port',
    );
  }
  const domain = host.startsWith('www.') ? host.slice(4) : host;
  if (canonicalHostname(domain) === null) throw invalid('invalid_domain', 'domain must not be just "www"');
  return domain;
}

/** An IANA time zone name, as the runtime's Intl knows it. */
export function parseTimezone(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) {
    throw invalid('invalid_timezone', 'timezone must be an IANA time zone such as "Europe/Berlin"');
  }
  try {
    // Canonical spelling: "europe/berlin" → "Europe/Berlin".
    return new Intl.DateTimeFormat(undefined, { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw invalid('invalid_timezone', `unknown time zone "${value.slice(0, 64)}"; use an IANA name`);
  }
}

export const MAX_ALLOWED_HOSTNAMES = 50;

/** Extra hostnames that may send events: exact hosts or `*.example.com` (any subdomain). */
export function parseAllowedHostnames(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_ALLOWED_HOSTNAMES) {
    throw invalid(
      'invalid_allowed_hostnames',
      `allowed_hostnames must be an array of at most ${MAX_ALLOWED_HOSTNAMES} hostnames`,
    );
  }
  const hosts = value.map((entry) => {
    const text = typeof entry === 'string' ? entry.trim().toLowerCase() : '';
    const wildcard = text.startsWith('*.');
    const host = canonicalHostname(wildcard ? text.slice(2) : text);
    if (host === null) {
      throw invalid(
        'invalid_allowed_hostnames',
        `"${String(entry).slice(0, 100)}" is not a hostname like "shop.example.com" or "*.example.com"`,
      );
    }
    return wildcard ? `*.${host}` : host;
  });
  return [...new Set(hosts)];
}

/** Paths whose events are dropped; see workers/ingest/drop/excluded-path.ts for the syntax. */
export function parseExcludedPaths(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_EXCLUDED_PATHS) {
    throw invalid(
      'invalid_excluded_paths',
      `excluded_paths must be an array of at most ${MAX_EXCLUDED_PATHS} path patterns`,
    );
  }
  const paths = value.map((entry) => {
    const problem = typeof entry === 'string' ? excludedPathProblem(entry) : 'must be a string';
    if (problem !== null) {
      throw invalid('invalid_excluded_paths', `"${String(entry).slice(0, 100)}": ${problem}`);
    }
    return entry as string;
  });
  return [...new Set(paths)];
}

export function parseBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid(`invalid_${field}`, `${field} must be true or false`);
  return value;
}

export const MIN_SHARED_LINK_PASSWORD = 8;
export const MAX_SHARED_LINK_PASSWORD = 200;

export interface SharedLinkChange {
  /** Make a new link id (the old link stops working). Always true when the site has no link yet. */
  rotate: boolean;
  /** undefined: keep the password as is; null: no password; a string: the new password. */
  password: string | null | undefined;
}

/** `shared_link`: null removes the link; an object creates, rotates or re-passwords it. */
export function parseSharedLink(value: unknown): SharedLinkChange | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(
      'invalid_shared_link',
      'shared_link must be null (remove) or an object { rotate?: boolean, password?: string | null }',
    );
  }
  const body = value as Record<string, unknown>;
  const rotate = body.rotate === undefined ? false : parseBoolean(body.rotate, 'shared_link');
  const password = body.password;
  if (password !== undefined && password !== null) {
    if (
      typeof password !== 'string' ||
      password.length < MIN_SHARED_LINK_PASSWORD ||
      password.length > MAX_SHARED_LINK_PASSWORD
    ) {
      throw invalid(
        'invalid_shared_link',
        `the shared link password must be ${MIN_SHARED_LINK_PASSWORD} to ${MAX_SHARED_LINK_PASSWORD} characters`,
      );
    }
  }
  return { rotate, password: password as string | null | undefined };
}

/** The JSON body of a request as an object, at most 32 KB; 413 or 400 that says what is wrong. */
export function jsonObject(request: Request): Promise<Record<string, unknown>> {
  return readJsonObject(request, { maxBytes: 32 * 1024 });
}
