import type { Context } from 'hono';
import { type LoginOutcome, recordLoginEvent, sendLater, type UserRow } from './accounts';
import type { ClientInfo } from './client';
import { authConfig } from './config';
import { signInAlertEmail } from './emails';
import type { AuthEnv } from './middleware';
import {
  createSession,
  MFA_PENDING_SECONDS,
  revokeSessionByCookie,
  sessionCookie,
  setSessionCookie,
} from './session';
import { type UserView, userView } from './user-view';

/**
 * Finishes a sign-in: replaces whatever session cookie the browser had with a new session
 * (fresh id, so a planted id is never promoted), records the event and sends the security
 * email. Signup uses `alert: false`.
 */
export async function startSession(
  c: Context<AuthEnv>,
  user: UserRow,
  client: ClientInfo,
  options: { outcome?: LoginOutcome; alert?: boolean } = {},
): Promise<{ user: UserView; csrf_token: string }> {
  await revokeSessionByCookie(c.env.DB, sessionCookie(c));
  const session = await createSession(c.env.DB, user.id, client);
  setSessionCookie(c, session.id);
  if (options.alert !== false) {
    await recordLoginEvent(c.env.DB, user.id, options.outcome ?? 'success', client);
    const at = new Date().toISOString();
    sendLater(
      c,
      signInAlertEmail(user.email, authConfig(c.env).appUrl, {
        browser: client.browser,
        os: client.os,
        city: client.city,
        country: client.country,
        at,
      }),
    );
  }
  return { user: userView(user), csrf_token: session.csrfToken };
}

/** What a sign-in step answers: signed in, or on to the second factor. */
export type SignInAnswer =
  | { user: UserView; csrf_token: string }
  | { mfa_required: true; csrf_token: string };

/**
 * The first factor is proven (a right password, or the emailed link that stands in for it):
 * signs in, or, with 2FA on, starts a pending session that can only call login/2fa.
 */
export async function firstFactorPassed(
  c: Context<AuthEnv>,
  user: UserRow,
  client: ClientInfo,
): Promise<SignInAnswer> {
  if (!user.totp_enabled_at) return startSession(c, user, client);
  // The session is useless until the second factor (login/2fa).
  await revokeSessionByCookie(c.env.DB, sessionCookie(c));
  const pending = await createSession(c.env.DB, user.id, client, { mfaPending: true });
  setSessionCookie(c, pending.id, MFA_PENDING_SECONDS);
  await recordLoginEvent(c.env.DB, user.id, 'mfa_required', client);
  return { mfa_required: true, csrf_token: pending.csrfToken };
}
