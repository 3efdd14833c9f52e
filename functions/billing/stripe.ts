/**
 * The one door to Stripe: the `stripe` SDK configured for Workers (fetch HTTP client, SubtleCrypto
 * for webhook signatures), pointed at api.stripe.com or the local Stripe server by vars.
 *
 * The SDK is loaded with a dynamic `import()` on the first billing call, never at module load:
 * the ingest path imports nothing from here, and an isolate that only ingests never evaluates it.
 * Only types are imported statically (erased at build time).
 */
import type Stripe from 'stripe';
import type { Env } from '../../workers/env';
import { log } from '../../workers/observability/log';
import { ApiError } from '../errors';
import { billingConfig, notConfigured } from './config';

export type { Stripe };

/** Seconds a webhook's signed timestamp may lag behind now (Stripe's own default). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

type StripeModule = typeof Stripe;

let sdk: Promise<StripeModule> | undefined;

function loadSdk(): Promise<StripeModule> {
  sdk ??= import('stripe').then((module) => module.default);
  return sdk;
}

const clients = new WeakMap<object, Stripe>();

/** The SDK client for this env (one per isolate); 503 `billing_not_configured` without STRIPE_SECRET_KEY. */
export async function stripeClient(env: Env): Promise<Stripe> {
  const config = billingConfig(env);
  if (!config.secretKey) throw notConfigured('no STRIPE_SECRET_KEY');
  const known = clients.get(env);
  if (known) return known;
  const StripeSdk = await loadSdk();
  const client = new StripeSdk(config.secretKey, {
    httpClient: StripeSdk.createFetchHttpClient(),
    host: config.api.host,
    port: config.api.port,
    protocol: config.api.protocol,
    // One retry (the SDK adds an idempotency key to retried POSTs); a request never waits long.
    maxNetworkRetries: 1,
    timeout: 10_000,
    telemetry: false,
  });
  clients.set(env, client);
  return client;
}

/**
 * The event in a webhook request, verified on the raw body against STRIPE_WEBHOOK_SECRET with a
 * 300-second tolerance. 400 `invalid_signature` for a missing, wrong or stale signature.
 */
export async function verifiedEvent(
  env: Env,
  rawBody: string,
  signature: string | null,
): Promise<Stripe.Event> {
  const config = billingConfig(env);
  if (!config.webhookSecret) throw notConfigured('no STRIPE_WEBHOOK_SECRET');
  if (!signature) throw invalidSignature('the Stripe-Signature header is missing');
  const StripeSdk = await loadSdk();
  try {
    return await StripeSdk.webhooks.constructEventAsync(
      rawBody,
      signature,
      config.webhookSecret,
      WEBHOOK_TOLERANCE_SECONDS,
      StripeSdk.createSubtleCryptoProvider(),
    );
  } catch (error) {
    if (isStripeError(error) && error.type === 'StripeSignatureVerificationError') {
      throw invalidSignature(error.message);
    }
    // Signed by Stripe but not JSON: nothing Stripe sends, so refuse it the same way.
    if (error instanceof SyntaxError) throw new ApiError(400, 'invalid_json', 'the event is not valid JSON');
    throw error;
  }
}

function invalidSignature(detail: string): ApiError {
  return new ApiError(400, 'invalid_signature', `Webhook signature verification failed: ${detail}`);
}

interface StripeErrorLike {
  type: string;
  message: string;
  code?: string;
  statusCode?: number;
}

/** A `StripeError` of the SDK, recognised without loading the SDK (its classes carry `type`). */
export function isStripeError(error: unknown): error is StripeErrorLike {
  return (
    error instanceof Error &&
    typeof (error as Partial<StripeErrorLike>).type === 'string' &&
    (error as Partial<StripeErrorLike>).type?.startsWith('Stripe') === true
  );
}

/** True when Stripe answered that the object asked for does not exist. */
export function isResourceMissing(error: unknown): boolean {
  return isStripeError(error) && error.code === 'resource_missing';
}

/**
 * Runs one Stripe call for an API route and maps its failures: Stripe unreachable or overloaded →
 * 503 `billing_unavailable` (try again), anything else Stripe refused → 502 `stripe_error` (our
 * request or our configuration is wrong; logged for the operator). The customer never sees
 * Stripe's message, which can name ids and keys.
 */
export async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isStripeError(error)) throw error;
    log('error', 'stripe call failed', {
      call: what,
      type: error.type,
      code: error.code ?? '',
      message: error.message,
    });
    if (
      error.type === 'StripeConnectionError' ||
      error.type === 'StripeRateLimitError' ||
      error.type === 'StripeAPIError'
    ) {
      throw new ApiError(
        503,
        'billing_unavailable',
        'The payment provider did not answer. Please try again.',
      );
    }
    throw new ApiError(502, 'stripe_error', 'The payment provider refused the request; we have been told.');
  }
}
