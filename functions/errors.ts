import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one error type of the HTTP API; `onError` maps it to `{ error: { code, message } }`. */
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
