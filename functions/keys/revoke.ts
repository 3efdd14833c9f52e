/**
 * Revokes every active API key of the billing profiles `userId` owns and returns how many. Called
 * when the user's credentials change (password reset or change, 2FA on or off): a key created by
 * whoever held the old credentials must not outlive them (functions/auth/security-change.ts).
 */
export async function revokeKeysOwnedBy(
  db: D1Database,
  userId: number,
  nowMs: number = Date.now(),
): Promise<number> {
  const result = await db
    .prepare(
      `UPDATE api_keys SET revoked_at = ?2
        WHERE revoked_at IS NULL
          AND billing_profile_id IN (SELECT id FROM billing_profiles WHERE owner_user_id = ?1)`,
    )
    .bind(userId, Math.floor(nowMs / 1000))
    .run();
  return result.meta.changes;
}
