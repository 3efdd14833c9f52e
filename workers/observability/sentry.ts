import type { Toucan } from 'toucan-js';
import { environmentName } from '../config';
import type { Env } from '../env';

const SECRET_PATTERN = /(password|secret|token|key|authorization|cookie|session)/i;

/** The subset of a Sentry event that can carry personal data or secrets. */
export interface ScrubbableEvent {
  user?: unknown;
  request?: { url?: string; headers?: unknown; cookies?: unknown; query_string?: unknown; data?: unknown };
  extra?: Record<string, unknown>;
}

/**
 * Removes what could identify a visitor or leak a secret before an event leaves the Worker: the
 * user, request headers (IP, cookies, authorization), query strings and bodies, and any extra
 * field whose name looks like a secret. The URL is kept without its query string.
 */
export function scrubEvent<E extends ScrubbableEvent>(event: E): E {
  delete event.user;
  if (event.request) {
    delete event.request.headers;
    delete event.request.cookies;
    delete event.request.query_string;
    delete event.request.data;
    if (event.request.url) event.request.url = event.request.url.split('?')[0];
  }
  if (event.extra) {
    for (const key of Object.keys(event.extra)) if (SECRET_PATTERN.test(key)) event.extra[key] = '[scrubbed]';
  }
  return event;
}

type ToucanOptions = ConstructorParameters<typeof Toucan>[0];

/**
 * Toucan's options: no PII collected in the first place, and `scrubEvent` on every event
 * before it leaves, should an integration attach something anyway.
 */
export function sentryOptions(
  env: Pick<Env, 'SENTRY_DSN' | 'ENVIRONMENT'>,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
): ToucanOptions {
  return {
    dsn: env.SENTRY_DSN,
    context: ctx,
    environment: environmentName(env),
    sampleRate: 1,
    tracesSampleRate: 0.01,
    sendDefaultPii: false,
    requestDataOptions: {
      allowedHeaders: false,
      allowedCookies: false,
      allowedSearchParams: false,
      allowedIps: false,
    },
    beforeSend: (event) => scrubEvent(event),
  };
}

/**
 * Reports an unexpected error to Sentry when SENTRY_DSN is set. No PII: no IPs, cookies, headers
 * or query strings are attached, and anything that looks like a secret is scrubbed. toucan-js is
 * imported lazily so the ingest path does not pay for it until something goes wrong.
 */
export async function reportError(
  env: Pick<Env, 'SENTRY_DSN' | 'ENVIRONMENT'>,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  error: unknown,
  tags: Record<string, string> = {},
): Promise<void> {
  if (!env.SENTRY_DSN) return;
  try {
    const { Toucan } = await import('toucan-js');
    const sentry = new Toucan(sentryOptions(env, ctx));
    for (const [key, value] of Object.entries(tags)) sentry.setTag(key, value);
    sentry.captureException(error);
  } catch {
    // Error reporting must never become the error.
  }
}
