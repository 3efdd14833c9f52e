import type { Env } from '../../workers/env';
import { ApiError } from '../errors';
import type { UserRow } from './accounts';
import { hashRecoveryCode } from './recovery-codes';
import { open, seal, totpKeyMaterial } from './secret-box';
import { matchTotp } from './totp';

/** Additional data bound into each sealed secret, so a box cannot be moved to another user. */
function context(userId: number): string {
  return `totp:${userId}`;
}

function keyMaterial(env: Env): string {
  const material = totpKeyMaterial(env);
  if (!material) {
    throw new ApiError(503, 'not_configured', 'Two-factor authentication is not configured on this server.');
  }
  return material;
}

export function sealTotpSecret(env: Env, userId: number, secret: string): Promise<string> {
  return seal(secret, keyMaterial(env), context(userId));
}

export function openTotpSecret(env: Env, userId: number, sealed: string): Promise<string> {
  return open(sealed, keyMaterial(env), context(userId));
}

/**
 * Whether `code` is the user's current TOTP code (±1 step). An accepted step is stored and
 * that step and older ones are refused afterwards, so a code works once. Uses the secret even
 * before 2FA is enabled (that is how `2fa/enable` confirms it).
 */
export async function acceptTotp(env: Env, user: UserRow, code: string): Promise<boolean> {
  if (!user.totp_secret) return false;
  const secret = await openTotpSecret(env, user.id, user.totp_secret);
  const step = await matchTotp(secret, code, Date.now() / 1000, { notAfterStep: user.totp_last_step ?? -1 });
  if (step === null) return false;
  // Conditional update: two requests with the same code cannot both win.
  const result = await env.DB.prepare(
    'UPDATE users SET totp_last_step = ?1 WHERE id = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?1)',
  )
    .bind(step, user.id)
    .run();
  return result.meta.changes === 1;
}

/** Spends one unused recovery code of the user; false if it is unknown or used. */
export async function useRecoveryCode(db: D1Database, userId: number, code: string): Promise<boolean> {
  const row = await db
    .prepare(
      `UPDATE recovery_codes SET used_at = ?1
       WHERE id = (SELECT id FROM recovery_codes WHERE user_id = ?2 AND code_hash = ?3 AND used_at IS NULL LIMIT 1)
         AND used_at IS NULL
       RETURNING id`,
    )
    .bind(new Date().toISOString(), userId, await hashRecoveryCode(code))
    .first();
  return row !== null;
}
