import { Hono } from 'hono';
import { configOf } from '../config';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { readBodyText } from '../http/body';
import { flushCounters } from '../observability/counters';
import { log } from '../observability/log';
import { reportError } from '../observability/sentry';
import { MAX_BODY_BYTES } from './payload/json-body';
import { IngestPipeline } from './pipeline';

let pipeline: IngestPipeline | null = null;

/** The isolate's pipeline: caches, leases and the open commit group live as long as the isolate. */
export function ingestPipeline(env: Env): IngestPipeline {
  pipeline ??= new IngestPipeline(env, configOf(env));
  return pipeline;
}

/** Forgets the isolate's pipeline and when its flushes were last looked at (tests change vars between cases). */
export function resetIngestPipeline(): void {
  pipeline = null;
  lastFlushLook = 0;
}

/**
 * Beacons are simple cross-origin requests. Authorization is deliberately not an allowed header:
 * API keys belong on servers, and a page's script that tried to send one fails its preflight.
 */
const CORS_HEADERS = {
  // What workers/app.ts's securityHeaders adds to every answer under /api: set here too, since
  // event POSTs skip the app (ingestFetch below).
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Expose-Headers': 'x-edgebear-dropped, Retry-After',
  'Access-Control-Max-Age': '86400',
};

function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/**
 * The headers of an accepted event, built once per isolate: a Response copies a Headers object
 * natively, where a plain object is enumerated and validated header by header on every event
 * (docs/benchmarks.md, the ingest profile). Never mutated; answers that add headers copy it.
 */
const ACCEPTED_HEADERS = new Headers(CORS_HEADERS);

/** A copy of the CORS headers with `extra` set, for the answers that are not a plain 202. */
function headersWith(extra: Record<string, string>): Headers {
  const headers = new Headers(ACCEPTED_HEADERS);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
}

function jsonError(status: number, code: string, message: string, extra: Record<string, string> = {}) {
  return new Response(errorBody(code, message), {
    status,
    headers: headersWith({ 'Content-Type': 'application/json', ...extra }),
  });
}

/** What the handler needs of the execution context (Hono's type and workerd's differ). */
type WaitUntil = Pick<ExecutionContext, 'waitUntil'>;

/**
 * How often at most a request looks whether the isolate's counters or refused-event counts are due
 * for a flush. Both flush on their own longer intervals (5 s, 10 s); looking on every event cost
 * each one two waitUntil registrations and an async call that almost always had nothing to do.
 */
export const FLUSH_LOOK_MS = 1_000;
let lastFlushLook = 0;

/** Hands the isolate's due flushes to this request's waitUntil, at most once per FLUSH_LOOK_MS. */
function flushDue(env: Env, ctx: WaitUntil, nowMs: number): void {
  if (nowMs - lastFlushLook < FLUSH_LOOK_MS && nowMs >= lastFlushLook) return;
  lastFlushLook = nowMs;
  ctx.waitUntil(flushCounters(env));
  // Events refused over quota are counted in the isolate and written in batches (workers/billing/capacity.ts).
  ctx.waitUntil(ingestPipeline(env).capacity.flushRefused());
}

async function handleEvent(
  raw: Request,
  env: Env,
  ctx: WaitUntil,
  format: 'edgebear' | 'umami',
): Promise<Response> {
  // Read once: each property read of a Request crosses into the runtime.
  const requestHeaders = raw.headers;
  let body: string;
  try {
    body = await readBodyText(raw, MAX_BODY_BYTES, requestHeaders);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return jsonError(error.status, error.code, error.message);
  }
  const nowMs = Date.now();
  const outcome = await ingestPipeline(env).handle({
    body,
    format,
    // The caller. A server that authenticates with an API key may name the visitor in
    // X-Forwarded-For; the pipeline reads that header only then (workers/ingest/server-side.ts).
    ip: requestHeaders.get('cf-connecting-ip') ?? '',
    userAgent: requestHeaders.get('user-agent') ?? '',
    headers: requestHeaders,
    cf: raw.cf as IncomingRequestCfProperties | undefined,
    nowMs,
  });
  flushDue(env, ctx, nowMs);
  switch (outcome.status) {
    case 202:
      return new Response('ok', {
        status: 202,
        headers: outcome.dropped ? headersWith({ 'x-edgebear-dropped': outcome.dropped }) : ACCEPTED_HEADERS,
      });
    case 429:
      return jsonError(
        429,
        'rate_limited',
        `too many events for this ${outcome.limit}; retry in ${outcome.retryAfterSeconds} s`,
        { 'Retry-After': String(outcome.retryAfterSeconds) },
      );
    default:
      return jsonError(
        outcome.status,
        outcome.code,
        outcome.message,
        outcome.status === 503 ? { 'Retry-After': '60' } : {},
      );
  }
}

/** POST /api/event (Edgebear and Plausible payloads) and POST /api/send (Umami payloads). */
export const ingestRoutes = new Hono<{ Bindings: Env }>();

ingestRoutes.options('/api/event', () => new Response(null, { status: 204, headers: CORS_HEADERS }));
ingestRoutes.options('/api/send', () => new Response(null, { status: 204, headers: CORS_HEADERS }));

const FORMATS: Record<string, 'edgebear' | 'umami'> = { '/api/event': 'edgebear', '/api/send': 'umami' };

/** handleEvent, with a failure answered 503 (a `.catch`, not an async wrapper: one promise less per event). */
function ingest(
  raw: Request,
  env: Env,
  ctx: WaitUntil,
  path: string,
  format: 'edgebear' | 'umami',
): Promise<Response> {
  return handleEvent(raw, env, ctx, format).catch((error: unknown) => {
    // Nothing was accepted: the event was not handed to the queue. Say so, so a server-side
    // sender retries; beacons cannot, and that is the price of a dependency being down.
    log('error', 'ingest failed', { path, error: error instanceof Error ? error.message : String(error) });
    ctx.waitUntil(reportError(env, ctx, error, { path }));
    return jsonError(503, 'unavailable', 'the event could not be stored; retry later', {
      'Retry-After': '5',
    });
  });
}

/** The path of an absolute request URL, without parsing the whole URL. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start === -1) return '/';
  const end = url.indexOf('?', start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}

/**
 * The hot path: an event POST goes straight to its handler, before the app's router and
 * middlewares, which cost about as much CPU as the event itself (docs/benchmarks.md, "Ingest").
 * Null for anything else, which the app answers.
 */
export function ingestFetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> | null {
  if (request.method !== 'POST') return null;
  const path = pathOf(request.url);
  const format = FORMATS[path];
  return format ? ingest(request, env, ctx, path, format) : null;
}

for (const [path, format] of Object.entries(FORMATS)) {
  ingestRoutes.post(path, (c) => ingest(c.req.raw, c.env, c.executionCtx, path, format));
}
