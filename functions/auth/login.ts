import { Hono } from 'hono';
import { ApiError } from '../errors';
import { findUserByEmail, findUserById, recordLoginEvent, sendLater, storedPassword } from './accounts';
import { clientInfo } from './client';
import { authConfig } from './config';
import { secondFactorFailuresEmail } from './emails';
import { normalizeEmail, optionalString, readJson, requireJsonSameOrigin, stringField } from './guards';
import { beginSignInAttempt } from './login-guard';
import { sendSignInLink, signInLinkAnswer } from './login-link';
import { type AuthEnv, requireCsrf, requireSession } from './middleware';
import { verifyAgainstDummy, verifyPassword } from './password';
import { acceptTotp, useRecoveryCode } from './second-factor';
import {
  clearSessionCookie,
  countMfaFailure,
  findSession,
  MAX_MFA_FAILURES,
  revokeSession,
  sessionCookie,
} from './session';
import { firstFactorPassed, startSession } from './sign-in';

/** POST /api/auth/login, /login/2fa and /logout (the emailed link: login-link.ts). */
export const loginRoutes = new Hono<AuthEnv>();

function invalidCredentials(): ApiError {
  // One message for an unknown email and a wrong password: no hint which part was wrong.
  return new ApiError(401, 'invalid_credentials', 'Email or password is incorrect.');
}

function signInAgain(): ApiError {
  return new ApiError(401, 'unauthorized', 'Please sign in again with your email and password.');
}

loginRoutes.post('/login', requireJsonSameOrigin, async (c) => {
  const body = await readJson(c);
  const email = normalizeEmail(stringField(body, 'email', 254));
  const password = stringField(body, 'password');
  const client = clientInfo(c);
  const attempt = await beginSignInAttempt(c, client.ip, email);

  const user = await findUserByEmail(c.env.DB, email);
  // Unknown emails cost a full PBKDF2 run too, so timing does not reveal which emails exist.
  const correct = user
    ? await verifyPassword(password, storedPassword(user))
    : await verifyAgainstDummy(password);
  if (user && correct) await attempt.succeeded();
  else if (user) await recordLoginEvent(c.env.DB, user.id, 'bad_password', client);

  if (attempt.accountLimited) {
    // The same 202 whether the password was right or the account exists: only the owner's
    // mailbox learns that the password was right.
    if (user && correct) await sendSignInLink(c, user);
    return c.json(signInLinkAnswer(), 202);
  }
  if (!user || !correct) throw invalidCredentials();
  return c.json(await firstFactorPassed(c, user, client));
});

loginRoutes.post('/login/2fa', requireJsonSameOrigin, requireCsrf, async (c) => {
  const pending = await findSession(c.env.DB, sessionCookie(c));
  if (!pending?.mfaPending) throw signInAgain();
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
  // A wrong code is a failure of the account too, so guesses at the second factor also trip the
  // account limit; a tripped limit does not stop this step (the owner may be here via the link).
  const attempt = await beginSignInAttempt(c, client.ip, pending.email);

  const user = await findUserById(c.env.DB, pending.userId);
  if (!user?.totp_enabled_at) throw signInAgain();
  const accepted = code
    ? await acceptTotp(c.env, user, code)
    : await useRecoveryCode(c.env.DB, user.id, recoveryCode ?? '');
  if (!accepted) {
    await recordLoginEvent(c.env.DB, user.id, 'bad_second_factor', client);
    const failures = await countMfaFailure(c.env.DB, pending.rowId);
    if (failures === null) throw signInAgain();
    if (failures >= MAX_MFA_FAILURES) {
      // The pending session is revoked: whoever knows the password starts again, and the owner hears of it.
      clearSessionCookie(c);
      sendLater(
        c,
        secondFactorFailuresEmail(user.email, authConfig(c.env).appUrl, failures, {
          browser: client.browser,
          os: client.os,
          city: client.city,
          country: client.country,
          at: new Date().toISOString(),
        }),
      );
      throw new ApiError(401, 'invalid_code', 'That code is not valid either. Please sign in again.');
    }
    throw new ApiError(401, 'invalid_code', 'That code is not valid. Try the current code from your app.');
  }
  await attempt.succeeded();
  await revokeSession(c.env.DB, pending.rowId);
  return c.json(await startSession(c, user, client, { outcome: code ? 'success' : 'recovery_code' }));
});

loginRoutes.post('/logout', requireSession, requireCsrf, async (c) => {
  await revokeSession(c.env.DB, c.get('account').sessionId);
  clearSessionCookie(c);
  return c.json({ ok: true });
});
