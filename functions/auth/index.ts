import { Hono } from 'hono';
import { emailVerificationRoutes } from './email-verification';
import { loginRoutes } from './login';
import { loginLinkRoutes } from './login-link';
import { meRoutes } from './me';
import type { AuthEnv } from './middleware';
import { passwordRoutes } from './password-routes';
import { sessionRoutes } from './sessions';
import { signupRoutes } from './signup';
import { twoFactorRoutes } from './two-factor';

export type { Account, AuthEnv } from './middleware';
export { requireCsrf, requireSession, requireVerifiedEmail } from './middleware';

/** Everything under /api/auth (docs/api.md). */
export const authRoutes = new Hono<AuthEnv>().basePath('/api/auth');

authRoutes.route('/', signupRoutes);
authRoutes.route('/', loginRoutes);
authRoutes.route('/', loginLinkRoutes);
authRoutes.route('/', meRoutes);
authRoutes.route('/', emailVerificationRoutes);
authRoutes.route('/', passwordRoutes);
authRoutes.route('/', twoFactorRoutes);
authRoutes.route('/', sessionRoutes);
