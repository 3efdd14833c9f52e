import { ApiError } from './api-error';

/**
 * An `ApiError` the caller may retry after `retryAfterSeconds`: a rate limit (429) or a moment
 * of unavailability (503). Routes that throw it send the wait as `Retry-After`
 * (functions/stats/reads.ts, `retryAfter`).
 */
export class RetryableError extends ApiError {
  constructor(
    status: 429 | 503,
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(status, code, message);
  }
}
