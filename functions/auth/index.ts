import { Hono } from 'hono';
import { loginRoutes } from './login';
import { meRoutes } from './me';
import type { AuthEnv } from './middleware';
import { signupRoutes } from './signup';

export type { Account, AuthEnv } from './middleware';
export { requireCsrf, requireSession } from './middleware';

/** Everything under /api/auth (docs/api.md). */
export const authRoutes = new Hono<AuthEnv>().basePath('/api/auth');

authRoutes.route('/', signupRoutes);
authRoutes.route('/', loginRoutes);
authRoutes.route('/', meRoutes);
