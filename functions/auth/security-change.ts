import type { Context } from 'hono';
import type { Env } from '../../workers/env';
import { revokeKeysOwnedBy } from '../keys/revoke';
import { sendLater } from './accounts';
import { authConfig } from './config';
import { type CredentialChange, revokedKeysText, securityChangeEmail } from './emails';
import { revokeUserSessions } from './session';

/** What a credential change retired, as the API answers it. */
export interface Retired {
  sessions: number;
  api_keys: number;
}

/**
 * Retires what the old credentials may have handed out, after a password reset or change and
 * after 2FA is turned on or off: every session but `keepSessionId` (null: all of them) and every
 * API key of the billing profiles the user owns. Keys are revoked, never silently kept: the
 * response (`retiredMessage`) and an email say how many, so the owner knows to re-create them.
 */
export async function retireCredentials<E extends { Bindings: Env }>(
  c: Context<E>,
  user: { id: number; email: string },
  change: CredentialChange,
  keepSessionId: number | null,
): Promise<Retired> {
  const now = new Date();
  const sessions = await revokeUserSessions(c.env.DB, user.id, keepSessionId, now);
  const apiKeys = await revokeKeysOwnedBy(c.env.DB, user.id, now.getTime());
  sendLater(
    c,
    securityChangeEmail(user.email, authConfig(c.env).appUrl, change, {
      sessions,
      apiKeys,
      at: now.toISOString(),
    }),
  );
  return { sessions, api_keys: apiKeys };
}

/** The sentence about revoked keys for a response's `message`. */
export function retiredMessage(retired: Retired): string {
  return revokedKeysText(retired.api_keys);
}
