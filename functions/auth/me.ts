import { Hono } from 'hono';
import { ApiError } from '../errors';
import { findUserById } from './accounts';
import { type AuthEnv, requireSession } from './middleware';
import { sessionCookie } from './session';
import { csrfTokenFor } from './tokens';
import { userView } from './user-view';

/** GET /api/auth/me: who is signed in, and the CSRF token for state-changing calls. */
export const meRoutes = new Hono<AuthEnv>();

meRoutes.get('/me', requireSession, async (c) => {
  const user = await findUserById(c.env.DB, c.get('account').userId);
  if (!user) throw new ApiError(401, 'unauthorized', 'Please sign in first.');
  return c.json({ user: userView(user), csrf_token: await csrfTokenFor(sessionCookie(c)) });
});
