/**
 * Stripe's error shape: `{ error: { type, message, code?, param?, doc_url? } }` with the status
 * Stripe uses, so the SDK raises the same classes it raises against api.stripe.com
 * (400/404 → StripeInvalidRequestError, 401 → StripeAuthenticationError, 400 with type
 * idempotency_error → StripeIdempotencyError).
 */

export type StripeErrorType = 'invalid_request_error' | 'idempotency_error' | 'api_error';

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  body(): { error: Record<string, string> } {
    const error: Record<string, string> = { type: this.type, message: this.message };
    if (this.code) {
      error.code = this.code;
      error.doc_url = `https://stripe.com/docs/error-codes/${this.code.replaceAll('_', '-')}`;
    }
    if (this.param) error.param = this.param;
    return { error };
  }
}

/** `No such customer: 'cus_x'`: 404 for the object in the path, 400 for one named by a parameter. */
export function noSuch(objectName: string, id: string, param?: string): StripeApiError {
  return new StripeApiError(
    param ? 400 : 404,
    'invalid_request_error',
    `No such ${objectName}: '${id}'`,
    'resource_missing',
    param ?? 'id',
  );
}

export function missingParam(param: string): StripeApiError {
  return new StripeApiError(
    400,
    'invalid_request_error',
    `Missing required param: ${param}.`,
    'parameter_missing',
    param,
  );
}

export function invalidParam(param: string, message: string): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, 'parameter_invalid', param);
}
