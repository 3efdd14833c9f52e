import { hashToken } from '../auth/tokens';

/** Every key starts with this, so a leaked one is recognisable (and secret scanners can match it). */
export const KEY_PREFIX = 'eb_live_';
/** Characters of the random part kept visible in `prefix`, so owners can tell their keys apart. */
export const VISIBLE_CHARS = 8;
/** 32 random bytes as base64url without padding. */
const KEY_PATTERN = /^eb_live_[A-Za-z0-9_-]{43}$/;

export const SCOPES = ['stats:read', 'events:write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface VerifiedKey {
  keyId: number;
  billingProfileId: number;
  /** null: the key works for every site of the billing profile. */
  siteId: number | null;
  scopes: Scope[];
}

/** last_used_at is written at most this often per key, to spare D1 a write per request. */
const LAST_USED_RESOLUTION_SECONDS = 60;

export function parseScopes(text: string): Scope[] {
  return text.split(',').filter((scope): scope is Scope => (SCOPES as readonly string[]).includes(scope));
}

/**
 * The key an `Authorization: Bearer eb_live_…` header carries, or null when there is none or it is
 * unknown, revoked, or bound to a deleted site. Looks the key up by its SHA-256 (the only form
 * stored) and bumps last_used_at when the stored value is over a minute old.
 */
export async function verifyApiKey(
  db: D1Database,
  authorizationHeader: string | null | undefined,
  nowMs: number = Date.now(),
): Promise<VerifiedKey | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader ?? '');
  const key = match?.[1];
  if (key === undefined || !KEY_PATTERN.test(key)) return null;
  const row = await db
    .prepare(
      `SELECT k.id, k.billing_profile_id, k.site_id, k.scopes, k.last_used_at
         FROM api_keys k LEFT JOIN sites s ON s.id = k.site_id
        WHERE k.secret_hash = ?1 AND k.revoked_at IS NULL
          AND (k.site_id IS NULL OR (s.id IS NOT NULL AND s.deleted_at IS NULL))`,
    )
    .bind(await hashToken(key))
    .first<{
      id: number;
      billing_profile_id: number;
      site_id: number | null;
      scopes: string;
      last_used_at: number | null;
    }>();
  if (!row) return null;
  const now = Math.floor(nowMs / 1000);
  if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_SECONDS) {
    // The condition repeats in SQL so that concurrent requests write once, not once each.
    await db
      .prepare(
        'UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)',
      )
      .bind(row.id, now, now - LAST_USED_RESOLUTION_SECONDS)
      .run();
  }
  return {
    keyId: row.id,
    billingProfileId: row.billing_profile_id,
    siteId: row.site_id,
    scopes: parseScopes(row.scopes),
  };
}
