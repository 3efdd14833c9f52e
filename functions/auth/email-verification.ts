import { Hono } from 'hono';
import { ApiError } from '../errors';
import { consumeEmailToken, findUserById, issueEmailToken, sendLater } from './accounts';
import { clientInfo } from './client';
import { authConfig } from './config';
import { verificationEmail } from './emails';
import { readJson, requireJsonSameOrigin, stringField } from './guards';
import { type AuthEnv, requireCsrf, requireSession } from './middleware';
import { ipLimitKey, limitAttempt, userLimitKey } from './rate-limit';

/** POST /api/auth/verify-email and /verify-email/resend. */
export const emailVerificationRoutes = new Hono<AuthEnv>();

// Token-authenticated: the link in the email opens the dashboard, which posts the token here.
emailVerificationRoutes.post('/verify-email', requireJsonSameOrigin, async (c) => {
  const token = stringField(await readJson(c), 'token', 200);
  await limitAttempt(c, [await ipLimitKey(c.env, clientInfo(c).ip, 'verify')]);
  const userId = await consumeEmailToken(c.env.DB, token, 'verify');
  if (userId === null) {
    throw new ApiError(400, 'invalid_token', 'This link is invalid or has expired. Ask for a new one.');
  }
  await c.env.DB.prepare(
    `UPDATE users SET email_verified_at = coalesce(email_verified_at, ?1), updated_at = ?1 WHERE id = ?2`,
  )
    .bind(new Date().toISOString(), userId)
    .run();
  return c.json({ ok: true, email_verified: true });
});

emailVerificationRoutes.post('/verify-email/resend', requireSession, requireCsrf, async (c) => {
  const account = c.get('account');
  await limitAttempt(c, [await userLimitKey(c.env, account.email, 'verify')]);
  const user = await findUserById(c.env.DB, account.userId);
  if (!user) throw new ApiError(401, 'unauthorized', 'Please sign in first.');
  if (user.email_verified_at) return c.json({ ok: true, email_verified: true });
  const token = await issueEmailToken(c.env.DB, user.id, 'verify');
  sendLater(c, verificationEmail(user.email, authConfig(c.env).appUrl, token));
  return c.json({ ok: true, email_verified: false }, 202);
});
