import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ClientInfo } from './client';
import { csrfTokenFor, hashToken, randomToken } from './tokens';

export const SESSION_COOKIE = 'eb_session';
/** Absolute lifetime of a signed-in session, and the cookie's Max-Age. */
export const SESSION_SECONDS = 30 * 24 * 3600;
/** A password-checked session waiting for its second factor lives this long. */
export const MFA_PENDING_SECONDS = 10 * 60;
/** `last_seen_at` is written at most this often, so reads do not turn into writes. */
const TOUCH_AFTER_MS = 5 * 60 * 1000;

/** A new session: `id` goes into the cookie and nowhere else. */
export interface NewSession {
  id: string;
  rowId: number;
  csrfToken: string;
}

/** A session row joined with what every authenticated request needs. */
export interface LoadedSession {
  rowId: number;
  userId: number;
  email: string;
  billingProfileId: number;
  mfaPending: boolean;
  /** The user has followed a link from their mailbox (verification, reset or sign-in). */
  emailVerified: boolean;
  lastSeenAt: string;
}

export async function createSession(
  db: D1Database,
  userId: number,
  client: ClientInfo,
  options: { mfaPending?: boolean; now?: Date } = {},
): Promise<NewSession> {
  const now = options.now ?? new Date();
  const lifetime = options.mfaPending ? MFA_PENDING_SECONDS : SESSION_SECONDS;
  const id = randomToken();
  const row = await db
    .prepare(
      `INSERT INTO sessions (id_hash, user_id, mfa_pending, created_at, last_seen_at, expires_at, user_agent_summary, country)
       VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7) RETURNING id`,
    )
    .bind(
      await hashToken(id),
      userId,
      options.mfaPending ? 1 : 0,
      now.toISOString(),
      new Date(now.getTime() + lifetime * 1000).toISOString(),
      client.summary,
      client.country,
    )
    .first<{ id: number }>();
  if (!row) throw new Error('session insert returned nothing');
  return { id, rowId: row.id, csrfToken: await csrfTokenFor(id) };
}

/** The live (unrevoked, unexpired) session for a cookie value, or null. */
export async function findSession(
  db: D1Database,
  id: string,
  now = new Date(),
): Promise<LoadedSession | null> {
  if (!id || id.length > 100) return null;
  const row = await db
    .prepare(
      `SELECT s.id AS rowId, s.user_id AS userId, u.email AS email, s.mfa_pending AS mfaPending,
              u.email_verified_at IS NOT NULL AS emailVerified, s.last_seen_at AS lastSeenAt,
              (SELECT b.id FROM billing_profiles b WHERE b.owner_user_id = u.id ORDER BY b.id LIMIT 1) AS billingProfileId
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2`,
    )
    .bind(await hashToken(id), now.toISOString())
    .first<
      Omit<LoadedSession, 'mfaPending' | 'emailVerified'> & { mfaPending: number; emailVerified: number }
    >();
  if (!row) return null;
  return { ...row, mfaPending: row.mfaPending === 1, emailVerified: row.emailVerified === 1 };
}

/** Wrong second-factor codes a pending session survives; the last of them revokes it. */
export const MAX_MFA_FAILURES = 5;

/**
 * Counts a wrong second-factor code against a pending session and revokes it at the
 * `MAX_MFA_FAILURES`th. Returns the session's count after this one, or null when it had already
 * ended; exactly one caller sees `MAX_MFA_FAILURES` (the update is one conditional statement).
 */
export async function countMfaFailure(
  db: D1Database,
  rowId: number,
  now = new Date(),
): Promise<number | null> {
  const row = await db
    .prepare(
      `UPDATE sessions SET mfa_failures = mfa_failures + 1,
              revoked_at = CASE WHEN mfa_failures + 1 >= ?2 THEN ?3 ELSE revoked_at END
        WHERE id = ?1 AND mfa_pending = 1 AND revoked_at IS NULL RETURNING mfa_failures`,
    )
    .bind(rowId, MAX_MFA_FAILURES, now.toISOString())
    .first<{ mfa_failures: number }>();
  return row?.mfa_failures ?? null;
}

/** Records activity for the session list, at most every few minutes. */
export async function touchSession(db: D1Database, session: LoadedSession, now = new Date()): Promise<void> {
  if (now.getTime() - Date.parse(session.lastSeenAt) < TOUCH_AFTER_MS) return;
  await db
    .prepare('UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2')
    .bind(now.toISOString(), session.rowId)
    .run();
}

export async function revokeSession(db: D1Database, rowId: number, now = new Date()): Promise<void> {
  await db
    .prepare('UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL')
    .bind(now.toISOString(), rowId)
    .run();
}

/** Revokes every live session of a user except `keepRowId`; returns how many. */
export async function revokeUserSessions(
  db: D1Database,
  userId: number,
  keepRowId: number | null,
  now = new Date(),
): Promise<number> {
  const result = await db
    .prepare('UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL AND id IS NOT ?3')
    .bind(now.toISOString(), userId, keepRowId)
    .run();
  return result.meta.changes;
}

export function sessionCookie(c: Context): string {
  return getCookie(c, SESSION_COOKIE) ?? '';
}

/**
 * `HttpOnly` keeps the id from scripts, `Secure` from plain HTTP (browsers treat
 * http://localhost and 127.0.0.1 as secure, so local development still works), `SameSite=Lax`
 * from cross-site POSTs.
 */
export function setSessionCookie(c: Context, id: string, maxAgeSeconds = SESSION_SECONDS): void {
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: maxAgeSeconds,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
}

/** Revokes whatever session a cookie value names (used when a new one replaces it). */
export async function revokeSessionByCookie(db: D1Database, id: string, now = new Date()): Promise<void> {
  if (!id || id.length > 100) return;
  await db
    .prepare('UPDATE sessions SET revoked_at = ?1 WHERE id_hash = ?2 AND revoked_at IS NULL')
    .bind(now.toISOString(), await hashToken(id))
    .run();
}
