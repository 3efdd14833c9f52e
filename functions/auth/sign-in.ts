import type { Context } from 'hono';
import { type LoginOutcome, recordLoginEvent, sendLater, type UserRow } from './accounts';
import type { ClientInfo } from './client';
import { authConfig } from './config';
import { signInAlertEmail } from './emails';
import type { AuthEnv } from './middleware';
import { createSession, revokeSessionByCookie, sessionCookie, setSessionCookie } from './session';
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
