import { Hono } from 'hono';
import { ApiError } from '../errors';
import { type AuthEnv, requireCsrf, requireSession } from './middleware';
import { clearSessionCookie, revokeSession, revokeUserSessions } from './session';

/** GET /api/auth/sessions, DELETE /sessions/:id, POST /sessions/revoke-all. */
export const sessionRoutes = new Hono<AuthEnv>();

sessionRoutes.use('/sessions', requireSession, requireCsrf);
sessionRoutes.use('/sessions/*', requireSession, requireCsrf);

interface SessionListRow {
  id: number;
  created_at: string;
  last_seen_at: string;
  user_agent_summary: string;
  country: string;
}

sessionRoutes.get('/sessions', async (c) => {
  const account = c.get('account');
  const { results } = await c.env.DB.prepare(
    `SELECT id, created_at, last_seen_at, user_agent_summary, country FROM sessions
     WHERE user_id = ?1 AND revoked_at IS NULL AND mfa_pending = 0 AND expires_at > ?2
     ORDER BY last_seen_at DESC LIMIT 100`,
  )
    .bind(account.userId, new Date().toISOString())
    .all<SessionListRow>();
  return c.json({
    sessions: results.map((row) => ({
      id: row.id,
      created_at: row.created_at,
      last_seen_at: row.last_seen_at,
      device: row.user_agent_summary,
      country: row.country,
      current: row.id === account.sessionId,
    })),
  });
});

// "Sign out everywhere else": this browser stays signed in (use logout for this one).
sessionRoutes.post('/sessions/revoke-all', async (c) => {
  const account = c.get('account');
  const revoked = await revokeUserSessions(c.env.DB, account.userId, account.sessionId);
  return c.json({ revoked });
});

sessionRoutes.delete('/sessions/:id', async (c) => {
  const account = c.get('account');
  const id = Number(c.req.param('id'));
  const row = Number.isSafeInteger(id)
    ? await c.env.DB.prepare('SELECT id FROM sessions WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL')
        .bind(id, account.userId)
        .first<{ id: number }>()
    : null;
  // Another user's session looks exactly like a missing one.
  if (!row) throw new ApiError(404, 'not_found', 'No such session.');
  await revokeSession(c.env.DB, row.id);
  if (row.id === account.sessionId) clearSessionCookie(c);
  return c.json({ ok: true, current: row.id === account.sessionId });
});
