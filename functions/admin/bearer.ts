import type { MiddlewareHandler } from 'hono';
import type { Env } from '../../workers/env';
import { timingSafeEqual } from '../auth/tokens';
import { ApiError } from '../errors';

/**
 * Lets the request through only with `Authorization: Bearer <secret>`; 401 otherwise, 503
 * `not_configured` while the secret is unset (an operator door is never open by default).
 */
export function bearer(secret: (env: Env) => string | undefined): MiddlewareHandler<{ Bindings: Env }> {
  return async function requireBearer(c, next) {
    const expected = secret(c.env);
    const given = c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? '';
    if (!expected) throw new ApiError(503, 'not_configured', 'this endpoint has no token configured');
    // Constant time, so a token cannot be guessed byte by byte from response times.
    if (!timingSafeEqual(given, expected))
      throw new ApiError(401, 'unauthorized', 'a valid bearer token is required');
    await next();
  };
}
