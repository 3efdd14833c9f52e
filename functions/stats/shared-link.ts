/**
 * The password of a shared link (`X-Shared-Link-Password`), checked without letting a stranger
 * guess it quickly or burn the Worker's CPU: PBKDF2 costs ~40 ms a try, so nothing reaches it
 * unless it passed both limits, and a viewer who proved the password once is not checked again
 * for a few minutes (the dashboard sends several requests per page, each with the password).
 *
 * In order, for a link that has a password:
 * 1. no password given: 401 `password_required`, with no limit spent (the dashboard's first try);
 * 2. this isolate verified the same password for the same link lately: accepted, no PBKDF2;
 * 3. attempts per client IP (`SHARED_LINK_RATE_LIMIT_PER_IP`, default 10/min): 429;
 * 4. wrong passwords per link (`SHARED_LINK_RATE_LIMIT_PER_LINK`, default 20/min), reserved
 *    before PBKDF2 and given back on success, so right passwords do not count: 429;
 * 5. PBKDF2; wrong: 401 `password_required`.
 *
 * Both limiters fail closed: a password guard admits nothing it could not count.
 */
import type { Context } from 'hono';
import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';
import { RetryableError } from '../../workers/http/retryable-error';
import { FailureLimiter } from '../../workers/limits/failures';
import { ipKey, LeasedLimiter } from '../../workers/limits/lease';
import type { RateRule } from '../../workers/limits/rule';
import { ApiError } from '../errors';
import { type SiteRow, sharedLinkPasswordMatches } from '../sites/store';

/** How long a verified (link, password) pair is trusted by the isolate that verified it. */
const VERIFIED_TTL_MS = 5 * 60_000;
/** Verified pairs kept at most; the oldest go first. */
const MAX_VERIFIED = 10_000;

/** PBKDF2 runs of this isolate; tests read it to see that a verified viewer is not checked again. */
export const sharedLinkChecks = { pbkdf2: 0 };

/**
 * SHA-256 of the stored hash and the given password → until when it is trusted. The stored hash
 * is part of the key, so a new password (or a new salt) never matches an old entry; the given
 * password itself is never kept.
 */
const verified = new Map<string, number>();

const encoder = new TextEncoder();

async function pairKey(site: SiteRow, password: string): Promise<string> {
  const data = encoder.encode(`${site.id}\u0000${site.shared_link_password_hash ?? ''}\u0000${password}`);
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

interface Limiters {
  ns: Env['RATE_LIMITER'];
  perIp: LeasedLimiter;
  perLink: FailureLimiter;
  rules: string;
}
let limiters: Limiters | null = null;

function limitersFor(env: Env): Limiters {
  const config = configOf(env);
  const text = (r: RateRule) => `${r.limit}/${r.periodSeconds}`;
  const rules = `${text(config.sharedLinkRateLimitPerIp)} ${text(config.sharedLinkRateLimitPerLink)}`;
  // A binding is stable for an isolate's life; comparing it too lets tests swap in a broken one.
  if (limiters?.rules !== rules || limiters.ns !== env.RATE_LIMITER) {
    limiters = {
      ns: env.RATE_LIMITER,
      rules,
      // No local allowance: every attempt is counted by the IP's object, exactly.
      perIp: new LeasedLimiter(env.RATE_LIMITER, config.sharedLinkRateLimitPerIp, {
        prefix: 'share-ip',
        failOpen: false,
        localAllowance: 0,
      }),
      perLink: new FailureLimiter(env.RATE_LIMITER, config.sharedLinkRateLimitPerLink, {
        prefix: 'share-link',
      }),
    };
  }
  return limiters;
}

function tooMany(retryAfterSeconds: number): RetryableError {
  return new RetryableError(
    429,
    'rate_limited',
    `Too many password attempts. Please wait ${retryAfterSeconds === 1 ? 'a second' : `${retryAfterSeconds} seconds`} and try again.`,
    retryAfterSeconds,
  );
}

const passwordRequired = () => new ApiError(401, 'password_required', 'this shared link needs its password');

/** Throws unless `password` opens `site`'s shared link (the link itself was matched already). */
export async function checkSharedLinkPassword(
  c: Context<{ Bindings: Env }>,
  site: SiteRow,
  password: string,
): Promise<void> {
  if (site.shared_link_password_hash === null) return;
  if (password === '') throw passwordRequired();
  const key = await pairKey(site, password);
  const now = Date.now();
  const until = verified.get(key);
  if (until !== undefined && until > now) return;
  if (until !== undefined) verified.delete(key);
  // Concurrent first checks are not merged into one: a promise one request's I/O settles is not
  // safely awaited by another request in workerd. The dashboard asks one query before the rest.
  await verify(c, site, password, key);
}

async function verify(
  c: Context<{ Bindings: Env }>,
  site: SiteRow,
  password: string,
  key: string,
): Promise<void> {
  const { perIp, perLink } = limitersFor(c.env);
  const secret = configOf(c.env).ipKeySecret;
  // Production without IP_KEY_SECRET cannot name per-IP objects safely: refuse (fail closed).
  if (secret === null) throw new RetryableError(503, 'unavailable', 'password checks are not configured', 60);
  const ip = c.req.header('cf-connecting-ip') ?? '';
  const byIp = await perIp.check(await ipKey(ip || 'unknown', secret));
  if (!byIp.allowed) throw tooMany(byIp.retryAfterSeconds);
  const reservation = await perLink.reserve(String(site.id));
  if (!reservation.allowed) throw tooMany(reservation.retryAfterSeconds);

  sharedLinkChecks.pbkdf2++;
  if (!(await sharedLinkPasswordMatches(site, password))) throw passwordRequired();
  await reservation.release();
  verified.set(key, Date.now() + VERIFIED_TTL_MS);
  while (verified.size > MAX_VERIFIED) {
    const oldest = verified.keys().next();
    if (oldest.done) break;
    verified.delete(oldest.value);
  }
}
