import type { Context } from 'hono';
import { Hono } from 'hono';
import { ApiError } from '../errors';
import { consumeEmailToken, findUserById, issueEmailToken, sendLater, type UserRow } from './accounts';
import { clientInfo } from './client';
import { authConfig } from './config';
import { signInLinkEmail } from './emails';
import { readJson, requireJsonSameOrigin, stringField } from './guards';
import { beginSignInAttempt } from './login-guard';
import type { AuthEnv } from './middleware';
import { firstFactorPassed } from './sign-in';

/**
 * The emailed sign-in link: how an owner signs in while their account's failure limit has tripped
 * (login-guard.ts). POST /login answers 202 `signInLinkAnswer()` to every attempt for such an
 * account and mails a link only after a right password; the dashboard's /sign-in page posts the
 * link's token to POST /api/auth/login/email, which stands in for the password step (the second
 * factor is still asked for when 2FA is on).
 */
export const loginLinkRoutes = new Hono<AuthEnv>();

/** The 202 body: the same whatever the password was, so it tells a guesser nothing. */
export function signInLinkAnswer(): { email_link_required: true; message: string } {
  return {
    email_link_required: true,
    message:
      'There have been several failed sign-ins to this account, so signing in needs an emailed link for a while. If the password was right, we emailed you a link to finish signing in.',
  };
}

/** Issues a one-time sign-in token (15 minutes) and mails it after the response. */
export async function sendSignInLink(c: Context<AuthEnv>, user: UserRow): Promise<void> {
  const token = await issueEmailToken(c.env.DB, user.id, 'login');
  sendLater(c, signInLinkEmail(user.email, authConfig(c.env).appUrl, token));
}

loginLinkRoutes.post('/login/email', requireJsonSameOrigin, async (c) => {
  const token = stringField(await readJson(c), 'token', 200);
  const client = clientInfo(c);
  // Per IP only: the account is unknown until the token is read, and its limit is why we are here.
  const attempt = await beginSignInAttempt(c, client.ip, null);
  const userId = await consumeEmailToken(c.env.DB, token, 'login');
  const user = userId === null ? null : await findUserById(c.env.DB, userId);
  if (!user) {
    throw new ApiError(
      400,
      'invalid_token',
      'This sign-in link is invalid, used or expired. Sign in again to get a new one.',
    );
  }
  await attempt.succeeded();
  if (!user.email_verified_at) {
    // Following the emailed link proves the address.
    const now = new Date().toISOString();
    await c.env.DB.prepare(
      'UPDATE users SET email_verified_at = coalesce(email_verified_at, ?1) WHERE id = ?2',
    )
      .bind(now, user.id)
      .run();
  }
  return c.json(await firstFactorPassed(c, user, client));
});
