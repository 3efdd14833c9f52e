import { Hono } from 'hono';
import { ApiError } from '../errors';
import {
  consumeEmailToken,
  findUserByEmail,
  findUserById,
  issueEmailToken,
  sendLater,
  setPassword,
  storedPassword,
} from './accounts';
import { clientInfo } from './client';
import { authConfig } from './config';
import { passwordResetEmail } from './emails';
import { emailField, readJson, requireJsonSameOrigin, stringField } from './guards';
import { type AuthEnv, requireCsrf, requireSession } from './middleware';
import { hashPassword, passwordProblem, verifyAgainstDummy, verifyPassword } from './password';
import { ipLimitKey, limitAttempt, userLimitKey } from './rate-limit';
import { retireCredentials, retiredMessage } from './security-change';
import { createSession, revokeSession, setSessionCookie } from './session';

/** POST /api/auth/password-reset/request, /password-reset/confirm and /change-password. */
export const passwordRoutes = new Hono<AuthEnv>();

passwordRoutes.post('/password-reset/request', requireJsonSameOrigin, async (c) => {
  const email = emailField(await readJson(c));
  await limitAttempt(c, [
    await ipLimitKey(c.env, clientInfo(c).ip, 'reset'),
    await userLimitKey(c.env, email, 'reset'),
  ]);
  const user = await findUserByEmail(c.env.DB, email);
  if (user) {
    const token = await issueEmailToken(c.env.DB, user.id, 'reset');
    sendLater(c, passwordResetEmail(user.email, authConfig(c.env).appUrl, token));
  }
  // The same answer whether or not the address has an account, and the mail goes out after it.
  return c.json(
    { ok: true, message: 'If an account exists for this address, we sent it a reset link.' },
    202,
  );
});

passwordRoutes.post('/password-reset/confirm', requireJsonSameOrigin, async (c) => {
  const body = await readJson(c);
  const token = stringField(body, 'token', 200);
  const password = stringField(body, 'password');
  await limitAttempt(c, [await ipLimitKey(c.env, clientInfo(c).ip, 'reset')]);
  const userId = await consumeEmailToken(c.env.DB, token, 'reset');
  const user = userId === null ? null : await findUserById(c.env.DB, userId);
  if (!user)
    throw new ApiError(400, 'invalid_token', 'This reset link is invalid or has expired. Ask for a new one.');
  const problem = passwordProblem(password, user.email);
  if (problem) {
    // The token is spent; asking again is cheap, and a half-used token is never left behind.
    throw new ApiError(400, 'weak_password', `${problem} Then ask for a new reset link.`);
  }
  const now = new Date().toISOString();
  await setPassword(c.env.DB, user.id, await hashPassword(password));
  // Whoever had the old password is out: every session and API key ends, and other reset links die.
  const revoked = await retireCredentials(c, user, 'password_reset', null);
  await c.env.DB.batch([
    c.env.DB.prepare(
      "UPDATE email_tokens SET used_at = ?1 WHERE user_id = ?2 AND purpose = 'reset' AND used_at IS NULL",
    ).bind(now, user.id),
    // Following the emailed link proves the address.
    c.env.DB.prepare(
      'UPDATE users SET email_verified_at = coalesce(email_verified_at, ?1) WHERE id = ?2',
    ).bind(now, user.id),
  ]);
  return c.json({
    ok: true,
    message: `Your password was changed. Please sign in. ${retiredMessage(revoked)}`,
    revoked,
  });
});

passwordRoutes.post('/change-password', requireSession, requireCsrf, async (c) => {
  const account = c.get('account');
  const body = await readJson(c);
  const current = stringField(body, 'current_password');
  const next = stringField(body, 'new_password');
  await limitAttempt(c, [await userLimitKey(c.env, account.email, 'password')]);
  const user = await findUserById(c.env.DB, account.userId);
  const correct = user
    ? await verifyPassword(current, storedPassword(user))
    : await verifyAgainstDummy(current);
  if (!user || !correct)
    throw new ApiError(401, 'invalid_credentials', 'Your current password is incorrect.');
  const problem = passwordProblem(next, user.email);
  if (problem) throw new ApiError(400, 'weak_password', problem);

  await setPassword(c.env.DB, user.id, await hashPassword(next));
  // A privilege change: other sessions and every API key end, and this browser's session is
  // replaced by a new one (new id, new CSRF token).
  const revoked = await retireCredentials(c, user, 'password_changed', account.sessionId);
  await revokeSession(c.env.DB, account.sessionId);
  const session = await createSession(c.env.DB, user.id, clientInfo(c));
  setSessionCookie(c, session.id);
  return c.json({
    ok: true,
    csrf_token: session.csrfToken,
    message: `Your password was changed. ${retiredMessage(revoked)}`,
    revoked,
  });
});
