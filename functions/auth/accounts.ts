import type { Context } from 'hono';
import type { Env } from '../../workers/env';
import { log } from '../../workers/observability/log';
import { type MailMessage, mailerFor } from '../mail';
import type { ClientInfo } from './client';
import type { PasswordHash } from './password';
import { hashToken, randomToken } from './tokens';

/** A `users` row. */
export interface UserRow {
  id: number;
  email: string;
  password_hash: string;
  password_salt: string;
  password_iterations: number;
  email_verified_at: string | null;
  totp_secret: string | null;
  totp_enabled_at: string | null;
  totp_last_step: number | null;
}

export function findUserByEmail(db: D1Database, email: string): Promise<UserRow | null> {
  return db.prepare('SELECT * FROM users WHERE email = ?1').bind(email).first<UserRow>();
}

export function findUserById(db: D1Database, id: number): Promise<UserRow | null> {
  return db.prepare('SELECT * FROM users WHERE id = ?1').bind(id).first<UserRow>();
}

export function storedPassword(user: UserRow): PasswordHash {
  return { hash: user.password_hash, salt: user.password_salt, iterations: user.password_iterations };
}

/** Creates a user and the billing profile they own, in one transaction; null if the email is taken. */
export async function createUser(
  db: D1Database,
  email: string,
  password: PasswordHash,
): Promise<{ userId: number; billingProfileId: number } | null> {
  try {
    const [user, profile] = await db.batch<{ id: number }>([
      db
        .prepare(
          'INSERT INTO users (email, password_hash, password_salt, password_iterations) VALUES (?1, ?2, ?3, ?4) RETURNING id',
        )
        .bind(email, password.hash, password.salt, password.iterations),
      db
        .prepare(
          'INSERT INTO billing_profiles (owner_user_id) SELECT id FROM users WHERE email = ?1 RETURNING id',
        )
        .bind(email),
    ]);
    const userId = user?.results[0]?.id;
    const billingProfileId = profile?.results[0]?.id;
    if (userId === undefined || billingProfileId === undefined)
      throw new Error('user insert returned nothing');
    return { userId, billingProfileId };
  } catch (error) {
    if (error instanceof Error && /UNIQUE constraint failed: users\.email/.test(error.message)) return null;
    throw error;
  }
}

export async function setPassword(db: D1Database, userId: number, password: PasswordHash): Promise<void> {
  await db
    .prepare(
      `UPDATE users SET password_hash = ?1, password_salt = ?2, password_iterations = ?3,
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?4`,
    )
    .bind(password.hash, password.salt, password.iterations, userId)
    .run();
}

export type LoginOutcome =
  | 'success'
  | 'mfa_required'
  | 'bad_password'
  | 'bad_second_factor'
  | 'recovery_code';

export async function recordLoginEvent(
  db: D1Database,
  userId: number,
  outcome: LoginOutcome,
  client: ClientInfo,
): Promise<void> {
  await db
    .prepare(
      'INSERT INTO login_events (user_id, outcome, browser, os, country, city) VALUES (?1, ?2, ?3, ?4, ?5, ?6)',
    )
    .bind(userId, outcome, client.browser, client.os, client.country, client.city)
    .run();
}

/** What an emailed token is for: verifying the address, resetting the password, finishing a sign-in. */
export type EmailTokenPurpose = 'verify' | 'reset' | 'login';

/** How long each kind of emailed token works. */
export const EMAIL_TOKEN_SECONDS: Record<EmailTokenPurpose, number> = {
  verify: 24 * 3600,
  reset: 3600,
  login: 15 * 60,
};

/** A fresh emailed token; only its hash is stored. */
export async function issueEmailToken(
  db: D1Database,
  userId: number,
  purpose: EmailTokenPurpose,
): Promise<string> {
  const token = randomToken();
  const ttl = EMAIL_TOKEN_SECONDS[purpose];
  await db
    .prepare('INSERT INTO email_tokens (hash, user_id, purpose, expires_at) VALUES (?1, ?2, ?3, ?4)')
    .bind(await hashToken(token), userId, purpose, new Date(Date.now() + ttl * 1000).toISOString())
    .run();
  return token;
}

/** Marks an unused, unexpired token used and returns its user, or null. Atomic: a token works once. */
export async function consumeEmailToken(
  db: D1Database,
  token: string,
  purpose: EmailTokenPurpose,
): Promise<number | null> {
  const now = new Date().toISOString();
  const row = await db
    .prepare(
      `UPDATE email_tokens SET used_at = ?1
       WHERE hash = ?2 AND purpose = ?3 AND used_at IS NULL AND expires_at > ?1 RETURNING user_id`,
    )
    .bind(now, await hashToken(token), purpose)
    .first<{ user_id: number }>();
  return row?.user_id ?? null;
}

/**
 * Sends after the response (`waitUntil`): the sign-in is not slowed by the provider, and
 * whether a reset mail was sent cannot be timed. Failures are logged without the message.
 */
export function sendLater<E extends { Bindings: Env }>(c: Context<E>, message: MailMessage): void {
  c.executionCtx.waitUntil(
    (async () => {
      try {
        await mailerFor(c.env).send(message);
      } catch (error) {
        log('error', 'account email failed', {
          kind: message.kind,
          error: error instanceof Error ? error.name : 'unknown',
        });
      }
    })(),
  );
}
