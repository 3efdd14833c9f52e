import { Hono } from 'hono';
import { ApiError } from '../errors';
import { findUserByEmail, findUserById, recordLoginEvent, storedPassword } from './accounts';
import { clientInfo } from './client';
import { normalizeEmail, optionalString, readJson, requireJsonSameOrigin, stringField } from './guards';
import { type AuthEnv, requireCsrf, requireSession } from './middleware';
import { verifyAgainstDummy, verifyPassword } from './password';
import { ipLimitKey, limitAttempt, userLimitKey } from './rate-limit';
import { acceptTotp, useRecoveryCode } from './second-factor';
import {
  clearSessionCookie,
  createSession,
  findSession,
  MFA_PENDING_SECONDS,
  revokeSession,
  revokeSessionByCookie,
  sessionCookie,
  setSessionCookie,
} from './session';
import { startSession } from './sign-in';

/** POST /api/auth/login, /login/2fa and /logout. */
export const loginRoutes = new Hono<AuthEnv>();

function invalidCredentials(): ApiError {
  // One message for an unknown email and a wrong password: no hint which part was wrong.
  return new ApiError(401, 'invalid_credentials', 'Email or password is incorrect.');
}

loginRoutes.post('/login', requireJsonSameOrigin, async (c) => {
  const body = await readJson(c);
  const email = normalizeEmail(stringField(body, 'email', 254));
  const password = stringField(body, 'password');
  const client = clientInfo(c);
  // Per IP (many accounts from one place) and per account (one account from many places).
  await limitAttempt(c, [
    await ipLimitKey(c.env, client.ip, 'login'),
    await userLimitKey(c.env, email, 'login'),
  ]);

  const user = await findUserByEmail(c.env.DB, email);
  // Unknown emails cost a full PBKDF2 run too, so timing does not reveal which emails exist.
  const correct = user
    ? await verifyPassword(password, storedPassword(user))
    : await verifyAgainstDummy(password);
  if (!user || !correct) {
    if (user) await recordLoginEvent(c.env.DB, user.id, 'bad_password', client);
    throw invalidCredentials();
  }

  if (user.totp_enabled_at) {
    // The password was right; the session is useless until the second factor (login/2fa).
    await revokeSessionByCookie(c.env.DB, sessionCookie(c));
    const pending = await createSession(c.env.DB, user.id, client, { mfaPending: true });
    setSessionCookie(c, pending.id, MFA_PENDING_SECONDS);
    await recordLoginEvent(c.env.DB, user.id, 'mfa_required', client);
    return c.json({ mfa_required: true, csrf_token: pending.csrfToken });
  }
  return c.json(await startSession(c, user, client));
});

loginRoutes.post('/login/2fa', requireJsonSameOrigin, requireCsrf, async (c) => {
  const pending = await findSession(c.env.DB, sessionCookie(c));
  if (!pending?.mfaPending) {
    throw new ApiError(401, 'unauthorized', 'Sign in with your email and password first.');
  }
  const body = await readJson(c);
  const code = optionalString(body, 'code');
  const recoveryCode = optionalString(body, 'recovery_code');
  if (!code && !recoveryCode) {
    throw new ApiError(
      400,
      'invalid_request',
      'Send "code" (from your authenticator app) or "recovery_code".',
    );
  }
  const client = clientInfo(c);
  // Same account key as the password step: guesses at either factor share one budget.
  await limitAttempt(c, [
    await ipLimitKey(c.env, client.ip, 'login'),
    await userLimitKey(c.env, pending.email, 'login'),
  ]);

  const user = await findUserById(c.env.DB, pending.userId);
  if (!user?.totp_enabled_at)
    throw new ApiError(401, 'unauthorized', 'Sign in with your email and password first.');
  const accepted = code
    ? await acceptTotp(c.env, user, code)
    : await useRecoveryCode(c.env.DB, user.id, recoveryCode ?? '');
  if (!accepted) {
    await recordLoginEvent(c.env.DB, user.id, 'bad_second_factor', client);
    throw new ApiError(401, 'invalid_code', 'That code is not valid. Try the current code from your app.');
  }
  await revokeSession(c.env.DB, pending.rowId);
  return c.json(await startSession(c, user, client, { outcome: code ? 'success' : 'recovery_code' }));
});

loginRoutes.post('/logout', requireSession, requireCsrf, async (c) => {
  await revokeSession(c.env.DB, c.get('account').sessionId);
  clearSessionCookie(c);
  return c.json({ ok: true });
});
