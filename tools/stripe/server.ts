/**
 * Local Stripe: a small HTTP server that speaks Stripe's wire format for the calls Edgebear makes
 * (form-encoded requests, Bearer test keys, Stripe's JSON objects and error shapes, idempotency
 * keys, any Stripe-Version), serves test Checkout and Billing Portal pages, and delivers signed
 * webhooks to the Worker. The `stripe` SDK reaches it through its host/port/protocol settings, so
 * the Worker's billing code runs unchanged against it. Not for production: test mode only.
 *
 * Routes: `/v1/...` (api.ts), `/checkout/:id`, `/portal/:id` and `/` (pages.ts), and test hooks
 * under `/_test/` (test-hooks.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StateError, StripeAccount } from './account';
import { handleApi } from './api';
import { StripeApiError } from './errors';
import { decodeForm, FormError, type FormObject } from './form';
import type { PriceInfo } from './objects';
import { stripeId } from './objects';
import { handlePage } from './page-routes';
import { Store } from './store';
import { handleTestHook } from './test-hooks';
import { WebhookSender } from './webhooks';

export interface StripeServerOptions {
  port: number;
  host?: string;
  /** Where events are POSTed, e.g. `http://127.0.0.1:8787/api/billing/webhook`. */
  webhookUrl: string;
  /** Signs webhooks; the Worker verifies with the same value (STRIPE_WEBHOOK_SECRET). */
  webhookSecret: string;
  /** The only API key accepted; when absent any `sk_test_…` key is. */
  secretKey?: string;
  /** Prices the pages can name, price and switch between; other price ids are accepted too. */
  prices?: Readonly<Record<string, PriceInfo>>;
  /** Keep state in this JSON file across restarts (in memory only when absent). */
  stateFile?: string;
  /** Base URL of the pages in session URLs (default `http://<host>:<port>`). */
  publicUrl?: string;
  /** Webhook tries per event (default 5) and the first retry delay, doubled each time (default 200 ms). */
  webhookAttempts?: number;
  webhookRetryDelayMs?: number;
  /** One line per request on stdout. */
  log?: boolean;
}

export interface StripeServer {
  /** e.g. `http://127.0.0.1:12111` (the real port when `port` was 0). */
  url: string;
  close(): Promise<void>;
}

/** The API version of the `stripe` SDK in this repository; events carry the version callers send. */
const DEFAULT_API_VERSION = '2026-10-28.endive';
const MAX_BODY_BYTES = 1024 * 1024;

/** What the HTTP layers hand back: JSON, a page, or a redirect. */
export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'html'; status: number; html: string; csp: string }
  | { kind: 'redirect'; location: string };

export async function startStripeServer(options: StripeServerOptions): Promise<StripeServer> {
  const host = options.host ?? '127.0.0.1';
  const store = new Store(options.stateFile);
  const webhooks = new WebhookSender({
    url: options.webhookUrl,
    secret: options.webhookSecret,
    attempts: options.webhookAttempts,
    retryDelayMs: options.webhookRetryDelayMs,
    onAttempt: () => store.changed(),
  });
  let apiVersion = DEFAULT_API_VERSION;
  let publicUrl = options.publicUrl ?? '';
  const account = new StripeAccount({
    store,
    webhooks,
    // Known once listening, when the port was 0.
    get publicUrl() {
      return publicUrl;
    },
    prices: options.prices ?? {},
    apiVersion: () => apiVersion,
  });
  const inFlight = new Set<string>();

  async function route(req: IncomingMessage, path: string, query: string, body: string): Promise<Reply> {
    const method = req.method ?? 'GET';
    if (path.startsWith('/v1/')) {
      authenticate(req.headers.authorization, options.secretKey);
      const version = header(req, 'stripe-version');
      if (version) apiVersion = version;
      const params = decodeForm(method === 'POST' ? body : query);
      const key = method === 'POST' ? header(req, 'idempotency-key') : undefined;
      if (!key) return json(await handleApi(account, method, path, params));
      return idempotent(key, method, path, body, params);
    }
    if (path.startsWith('/_test/')) return handleTestHook(account, method, path, decodeForm(body || query));
    if (method === 'POST' && req.headers['sec-fetch-site'] === 'cross-site') {
      // The pages change subscriptions: another site must not submit their forms.
      return {
        kind: 'html',
        status: 403,
        html: 'Cross-site form posts are refused.',
        csp: "default-src 'none'",
      };
    }
    return handlePage(account, method, path, decodeForm(body), options.webhookUrl);
  }

  /** Same key, same request → the first answer again; same key, other request → Stripe's 400. */
  async function idempotent(
    key: string,
    method: string,
    path: string,
    body: string,
    params: FormObject,
  ): Promise<Reply> {
    const seen = store.state.idempotency[key];
    if (seen) {
      if (seen.method !== method || seen.path !== path || seen.body !== body) {
        throw new StripeApiError(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      return {
        kind: 'json',
        status: seen.status,
        body: JSON.parse(seen.response),
        headers: { 'idempotent-replayed': 'true', 'original-request': seen.path },
      };
    }
    if (inFlight.has(key)) {
      throw new StripeApiError(
        409,
        'invalid_request_error',
        'There is currently another in-progress request using this Stripe API key and idempotency key. Please try again later.',
        'idempotency_key_in_use',
      );
    }
    inFlight.add(key);
    try {
      const result = await handleApi(account, method, path, params);
      // Stripe keeps only the answers of requests that ran: a refused one may be retried fixed.
      store.state.idempotency[key] = {
        method,
        path,
        body,
        status: result.status,
        response: JSON.stringify(result.body),
        at: Date.now(),
      };
      store.changed();
      return json(result);
    } finally {
      inFlight.delete(key);
    }
  }

  const server = createServer((req, res) => {
    void serve(req, res);
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://local');
    let reply: Reply;
    try {
      const body = await readBody(req);
      reply = await route(req, url.pathname, url.search.slice(1), body);
    } catch (error) {
      reply = errorReply(error);
    }
    send(req, res, reply);
    if (options.log) {
      const status = reply.kind === 'redirect' ? 303 : reply.status;
      console.log(`stripe ${req.method} ${url.pathname} ${status} ${Date.now() - started} ms`);
    }
  }

  function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    if (reply.kind === 'redirect') {
      res.writeHead(303, { location: reply.location, 'cache-control': 'no-store' }).end();
      return;
    }
    if (reply.kind === 'html') {
      res
        .writeHead(reply.status, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': reply.csp,
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
          'x-content-type-options': 'nosniff',
        })
        .end(reply.html);
      return;
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'cache-control': 'no-cache, no-store',
      'request-id': stripeId('req'),
      'stripe-version': header(req, 'stripe-version') ?? apiVersion,
      ...reply.headers,
    };
    const key = header(req, 'idempotency-key');
    if (key) headers['idempotency-key'] = key;
    res.writeHead(reply.status, headers).end(JSON.stringify(reply.body, null, 2));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  publicUrl ||= url;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        webhooks.stop();
        store.flush();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(result: { status: number; body: unknown }): Reply {
  return { kind: 'json', status: result.status, body: result.body };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorReply(error: unknown): Reply {
  if (error instanceof StripeApiError) return { kind: 'json', status: error.status, body: error.body() };
  if (error instanceof FormError || error instanceof StateError) {
    const apiError = new StripeApiError(400, 'invalid_request_error', error.message);
    return { kind: 'json', status: 400, body: apiError.body() };
  }
  console.error('local Stripe:', error);
  const apiError = new StripeApiError(500, 'api_error', 'The local Stripe server failed; see its log.');
  return { kind: 'json', status: 500, body: apiError.body() };
}

/** `sk_test_abcd…wxyz` → `sk_test_****wxyz`, as Stripe quotes a key it refuses. */
function redact(key: string): string {
  const prefix = /^[a-z]{2}_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}****${key.slice(-4)}`;
}

/** Bearer auth (what the SDK sends), or Basic with the key as user name (what `curl -u` sends). */
function authenticate(authorization: string | undefined, secretKey: string | undefined): void {
  let key: string | undefined;
  if (authorization?.startsWith('Bearer ')) key = authorization.slice(7).trim();
  else if (authorization?.startsWith('Basic ')) {
    key = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0];
  }
  if (!key) {
    throw new StripeApiError(
      401,
      'invalid_request_error',
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  if (/^[rs]k_live_/.test(key)) {
    throw new StripeApiError(
      401,
      'invalid_request_error',
      `The local Stripe server accepts test keys only; a live key was sent (${redact(key)}).`,
    );
  }
  const accepted = secretKey ? key === secretKey : key.startsWith('sk_test_');
  if (!accepted) {
    throw new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${redact(key)}`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Read on to the end without keeping it, so the refusal can still be answered.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(new StripeApiError(413, 'invalid_request_error', 'Request body too large.'));
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    req.on('error', reject);
  });
}
