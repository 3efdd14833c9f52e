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

/** Forgets the isolate's pipeline (tests change vars between cases). */
export function resetIngestPipeline(): void {
  pipeline = null;
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

/** What the handler needs of the execution context (Hono's type and workerd's differ). */
type WaitUntil = Pick<ExecutionContext, 'waitUntil'>;

async function handleEvent(
  raw: Request,
  env: Env,
  ctx: WaitUntil,
  format: 'edgebear' | 'umami',
): Promise<Response> {
  const headers = new Headers(CORS_HEADERS);
  let body: string;
  try {
    body = await readBodyText(raw, MAX_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    headers.set('Content-Type', 'application/json');
    return new Response(errorBody(error.code, error.message), { status: error.status, headers });
  }
  const outcome = await ingestPipeline(env).handle({
    body,
    format,
    // The caller. A server that authenticates with an API key may name the visitor in
    // X-Forwarded-For; the pipeline reads that header only then (workers/ingest/server-side.ts).
    ip: raw.headers.get('cf-connecting-ip') ?? '',
    userAgent: raw.headers.get('user-agent') ?? '',
    headers: raw.headers,
    cf: raw.cf as IncomingRequestCfProperties | undefined,
    nowMs: Date.now(),
  });
  ctx.waitUntil(flushCounters(env));
  // Events refused over quota are counted in the isolate and written in batches (workers/billing/capacity.ts).
  ctx.waitUntil(ingestPipeline(env).capacity.flushRefused());
  switch (outcome.status) {
    case 202:
      if (outcome.dropped) headers.set('x-edgebear-dropped', outcome.dropped);
      return new Response('ok', { status: 202, headers });
    case 429:
      headers.set('Content-Type', 'application/json');
      headers.set('Retry-After', String(outcome.retryAfterSeconds));
      return new Response(
        errorBody(
          'rate_limited',
          `too many events for this ${outcome.limit}; retry in ${outcome.retryAfterSeconds} s`,
        ),
        { status: 429, headers },
      );
    default:
      headers.set('Content-Type', 'application/json');
      if (outcome.status === 503) headers.set('Retry-After', '60');
      return new Response(errorBody(outcome.code, outcome.message), { status: outcome.status, headers });
  }
}

/** POST /api/event (Edgebear and Plausible payloads) and POST /api/send (Umami payloads). */
export const ingestRoutes = new Hono<{ Bindings: Env }>();

ingestRoutes.options('/api/event', () => new Response(null, { status: 204, headers: CORS_HEADERS }));
ingestRoutes.options('/api/send', () => new Response(null, { status: 204, headers: CORS_HEADERS }));

const FORMATS: Record<string, 'edgebear' | 'umami'> = { '/api/event': 'edgebear', '/api/send': 'umami' };

async function ingest(raw: Request, env: Env, ctx: WaitUntil, path: string, format: 'edgebear' | 'umami') {
  try {
    return await handleEvent(raw, env, ctx, format);
  } catch (error) {
    // Nothing was accepted: the event was not handed to the queue. Say so, so a server-side
    // sender retries; beacons cannot, and that is the price of a dependency being down.
    log('error', 'ingest failed', { path, error: error instanceof Error ? error.message : String(error) });
    ctx.waitUntil(reportError(env, ctx, error, { path }));
    const headers = new Headers(CORS_HEADERS);
    headers.set('Content-Type', 'application/json');
    headers.set('Retry-After', '5');
    return new Response(errorBody('unavailable', 'the event could not be stored; retry later'), {
      status: 503,
      headers,
    });
  }
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
