import type { MiddlewareHandler } from 'hono';
import type { Env } from '../../workers/env';
import { ApiError } from '../errors';
import { findSession, sessionCookie, touchSession } from './session';
import { csrfTokenFor, timingSafeEqual } from './tokens';

/** Who is asking, as `requireSession` finds it. */
export interface Account {
  userId: number;
  billingProfileId: number;
  email: string;
  /** The session's row id (the public handle in the session list), not the cookie secret. */
  sessionId: number;
  emailVerified: boolean;
}

export type AuthEnv = { Bindings: Env; Variables: { account: Account } };

export const CSRF_HEADER = 'X-CSRF-Token';

/**
 * Lets the request through only with a live, fully signed-in session cookie (not revoked, not
 * expired, second factor done) and puts the `Account` at `c.get('account')`; else 401.
 */
export const requireSession: MiddlewareHandler<AuthEnv> = async function requireSession(c, next) {
  const session = await findSession(c.env.DB, sessionCookie(c));
  if (!session || session.mfaPending) throw new ApiError(401, 'unauthorized', 'Please sign in first.');
  c.set('account', {
    userId: session.userId,
    billingProfileId: session.billingProfileId,
    email: session.email,
    sessionId: session.rowId,
    emailVerified: session.emailVerified,
  });
  await touchSession(c.env.DB, session);
  await next();
};

/**
 * On POST, PUT, PATCH and DELETE, requires the header `X-CSRF-Token` to equal the session's
 * CSRF token (from GET /api/auth/me or the login response); else 403 `csrf`. A cross-site
 * page can make the browser send the cookie but cannot read the token, and a custom header
 * cannot be sent cross-site without a CORS preflight, which this API never grants.
 * Safe methods pass. Use after `requireSession`.
 */
export const requireCsrf: MiddlewareHandler<AuthEnv> = async function requireCsrf(c, next) {
  if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
    const given = c.req.header(CSRF_HEADER) ?? '';
    const cookie = sessionCookie(c);
    if (!given || !cookie || !timingSafeEqual(given, await csrfTokenFor(cookie))) {
      throw new ApiError(403, 'csrf', 'This request needs the X-CSRF-Token header of your session.');
    }
  }
  await next();
};

/**
 * Lets the request through only when the signed-in user has verified their email; else 403
 * `email_unverified`. Guards what an unverified account must not do (adding sites, creating API
 * keys), so an address nobody reads cannot hold domains or integrations. Use after `requireSession`.
 */
export const requireVerifiedEmail: MiddlewareHandler<AuthEnv> = async function requireVerifiedEmail(c, next) {
  if (!c.get('account').emailVerified) {
    throw new ApiError(
      403,
      'email_unverified',
      'Confirm your email address first: open the link we emailed you when you signed up, or send a new one from your account page.',
    );
  }
  await next();
};
