import { Hono } from 'hono';
import { ApiError } from '../errors';
import { createUser, findUserById, issueEmailToken, sendLater } from './accounts';
import { clientInfo } from './client';
import { authConfig } from './config';
import { verificationEmail } from './emails';
import { emailField, optionalString, readJson, requireJsonSameOrigin, stringField } from './guards';
import type { AuthEnv } from './middleware';
import { hashPassword, passwordProblem } from './password';
import { ipLimitKey, limitAttempt } from './rate-limit';
import { startSession } from './sign-in';
import { hashToken } from './tokens';

/** POST /api/auth/signup */
export const signupRoutes = new Hono<AuthEnv>();

signupRoutes.post('/signup', requireJsonSameOrigin, async (c) => {
  const body = await readJson(c);
  const email = emailField(body);
  const password = stringField(body, 'password');
  const client = clientInfo(c);
  // No account yet, so per IP only.
  await limitAttempt(c, [await ipLimitKey(c.env, client.ip, 'signup')]);

  const problem = passwordProblem(password, email);
  if (problem) throw new ApiError(400, 'weak_password', problem);

  const config = authConfig(c.env);
  let inviteHash: string | null = null;
  if (config.inviteOnly) {
    const invite = optionalString(body, 'invite');
    if (!invite) throw new ApiError(403, 'invite_required', 'Signing up needs an invite code for now.');
    inviteHash = await hashToken(invite.trim());
    // Claimed before the user exists, so two signups cannot share one code.
    const claimed = await c.env.DB.prepare(
      'UPDATE invites SET used_at = ?1 WHERE code_hash = ?2 AND used_at IS NULL RETURNING code_hash',
    )
      .bind(new Date().toISOString(), inviteHash)
      .first();
    if (!claimed)
      throw new ApiError(403, 'invalid_invite', 'That invite code is not valid or was already used.');
  }

  const created = await createUser(c.env.DB, email, await hashPassword(password));
  if (!created) {
    if (inviteHash) {
      await c.env.DB.prepare('UPDATE invites SET used_at = NULL WHERE code_hash = ?1').bind(inviteHash).run();
    }
    // Signup cannot hide that an address has an account (it signs you in); the limiter bounds probing.
    throw new ApiError(
      409,
      'email_taken',
      'An account with this email exists. Sign in or reset your password.',
    );
  }
  if (inviteHash) {
    await c.env.DB.prepare('UPDATE invites SET used_by = ?1 WHERE code_hash = ?2')
      .bind(created.userId, inviteHash)
      .run();
  }

  const user = await findUserById(c.env.DB, created.userId);
  if (!user) throw new Error('new user not found');
  const token = await issueEmailToken(c.env.DB, user.id, 'verify');
  sendLater(c, verificationEmail(email, config.appUrl, token));
  return c.json(await startSession(c, user, client, { alert: false }), 201);
});
