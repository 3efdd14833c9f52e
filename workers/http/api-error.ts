import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The one error type of the HTTP layer; the app's `onError` maps it to
 * `{ "error": { "code", "message" } }` and its status. It lives with the platform code so that
 * shared readers (bodies, limits) can throw it without importing the API above them.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
