import { Hono } from 'hono';
import { ApiError } from '../errors';
import { findUserById, storedPassword } from './accounts';
import { readJson, stringField } from './guards';
import { type AuthEnv, requireCsrf, requireSession } from './middleware';
import { verifyPassword } from './password';
import { limitAttempt, userLimitKey } from './rate-limit';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes';
import { acceptTotp, sealTotpSecret, useRecoveryCode } from './second-factor';
import { retireCredentials, retiredMessage } from './security-change';
import { generateTotpSecret, otpauthUri } from './totp';

/** POST /api/auth/2fa/setup, /2fa/enable and /2fa/disable. */
export const twoFactorRoutes = new Hono<AuthEnv>();

twoFactorRoutes.use('/2fa/*', requireSession, requireCsrf);

async function currentUser(db: D1Database, userId: number) {
  const user = await findUserById(db, userId);
  if (!user) throw new ApiError(401, 'unauthorized', 'Please sign in first.');
  return user;
}

twoFactorRoutes.post('/2fa/setup', async (c) => {
  const user = await currentUser(c.env.DB, c.get('account').userId);
  if (user.totp_enabled_at) {
    throw new ApiError(409, 'already_enabled', 'Two-factor authentication is already on. Turn it off first.');
  }
  // Pending until 2fa/enable proves the app has it; a new setup replaces an unconfirmed one.
  const secret = generateTotpSecret();
  await c.env.DB.prepare(
    'UPDATE users SET totp_secret = ?1, totp_last_step = NULL, updated_at = ?2 WHERE id = ?3',
  )
    .bind(await sealTotpSecret(c.env, user.id, secret), new Date().toISOString(), user.id)
    .run();
  return c.json({ secret, otpauth_uri: otpauthUri({ secret, account: user.email, issuer: 'Edgebear' }) });
});

twoFactorRoutes.post('/2fa/enable', async (c) => {
  const account = c.get('account');
  const code = stringField(await readJson(c), 'code', 20);
  await limitAttempt(c, [await userLimitKey(c.env, account.email, '2fa')]);
  const user = await currentUser(c.env.DB, account.userId);
  if (user.totp_enabled_at)
    throw new ApiError(409, 'already_enabled', 'Two-factor authentication is already on.');
  if (!user.totp_secret) throw new ApiError(409, 'setup_required', 'Start with POST /api/auth/2fa/setup.');
  if (!(await acceptTotp(c.env, user, code))) {
    throw new ApiError(
      400,
      'invalid_code',
      'That code is not valid. Check the time on your phone and try again.',
    );
  }
  const codes = generateRecoveryCodes();
  const now = new Date().toISOString();
  await c.env.DB.batch([
    c.env.DB.prepare('DELETE FROM recovery_codes WHERE user_id = ?1').bind(user.id),
    ...(await Promise.all(
      codes.map(async (recovery) =>
        c.env.DB.prepare('INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)').bind(
          user.id,
          await hashRecoveryCode(recovery),
        ),
      ),
    )),
    c.env.DB.prepare('UPDATE users SET totp_enabled_at = ?1, updated_at = ?1 WHERE id = ?2').bind(
      now,
      user.id,
    ),
  ]);
  // Sessions and keys made before the second factor existed do not carry it: they end.
  const revoked = await retireCredentials(c, user, 'totp_enabled', account.sessionId);
  // Shown once: only hashes are kept.
  return c.json({ totp_enabled: true, recovery_codes: codes, message: retiredMessage(revoked), revoked });
});

twoFactorRoutes.post('/2fa/disable', async (c) => {
  const account = c.get('account');
  const body = await readJson(c);
  const password = stringField(body, 'password');
  const code = stringField(body, 'code', 40);
  await limitAttempt(c, [await userLimitKey(c.env, account.email, '2fa')]);
  const user = await currentUser(c.env.DB, account.userId);
  if (!user.totp_enabled_at) throw new ApiError(409, 'not_enabled', 'Two-factor authentication is not on.');
  const passwordOk = await verifyPassword(password, storedPassword(user));
  // Either factor proves possession: the app's code or an unused recovery code.
  const codeOk =
    passwordOk &&
    (/^\d{6}$/.test(code.replace(/\s/g, ''))
      ? await acceptTotp(c.env, user, code)
      : await useRecoveryCode(c.env.DB, user.id, code));
  if (!passwordOk || !codeOk) {
    throw new ApiError(401, 'invalid_credentials', 'The password or the code is incorrect.');
  }
  await c.env.DB.batch([
    c.env.DB.prepare('DELETE FROM recovery_codes WHERE user_id = ?1').bind(user.id),
    c.env.DB.prepare(
      'UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = ?1 WHERE id = ?2',
    ).bind(new Date().toISOString(), user.id),
  ]);
  const revoked = await retireCredentials(c, user, 'totp_disabled', account.sessionId);
  return c.json({ totp_enabled: false, message: retiredMessage(revoked), revoked });
});
