import { env, exports } from 'cloudflare:workers';
import { clickhouse } from '../../../workers/clickhouse/client';
import type { Env } from '../../../workers/env';

export const testEnv = env as unknown as Env;

/** Calls the Worker's fetch handler, as a browser or a server-side sender would. */
export function send(
  path: string,
  body: unknown,
  init: { ip?: string; ua?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers({
    'content-type': 'text/plain',
    'cf-connecting-ip': init.ip ?? '198.51.100.7',
    'user-agent':
      init.ua ??
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    ...init.headers,
  });
  return (exports as unknown as { default: Fetcher }).default.fetch(`http://edgebear.test${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function workerFetch(path: string, init?: RequestInit): Promise<Response> {
  return (exports as unknown as { default: Fetcher }).default.fetch(`http://edgebear.test${path}`, init);
}

let siteCounter = 0;

/** Creates a site with a unique domain so test files never see each other's rows. */
export async function createSite(
  options: { allowed?: string[]; respectDnt?: boolean } = {},
): Promise<{ id: number; domain: string; key: string }> {
  siteCounter++;
  const unique = `${Date.now().toString(36)}${siteCounter}${Math.random().toString(36).slice(2, 6)}`;
  const domain = `site-${unique}.example`;
  const key = `key-${unique}`;
  const row = await testEnv.DB.prepare(
    'INSERT INTO sites (domain, public_key, allowed_hostnames, respect_dnt) VALUES (?1, ?2, ?3, ?4) RETURNING id',
  )
    .bind(domain, key, JSON.stringify(options.allowed ?? []), options.respectDnt ? 1 : 0)
    .first<{ id: number }>();
  if (!row) throw new Error('site insert returned nothing');
  return { id: row.id, domain, key };
}

export async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await clickhouse(testEnv).query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

/** Polls ClickHouse until `query` returns `expected` rows (the queue consumer is asynchronous). */
export async function waitForRows<T>(
  query: string,
  params: Record<string, unknown>,
  expected: number,
  timeoutMs = 15_000,
): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let last: T[] = [];
  while (Date.now() < deadline) {
    last = await rows<T>(query, params);
    if (last.length >= expected) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

export function pageview(
  domain: string,
  url = `https://${domain}/pricing?utm_source=newsletter`,
  extra: Record<string, unknown> = {},
) {
  return { n: 'pageview', u: url, d: domain, r: 'https://news.ycombinator.com/item?id=1', w: 1280, ...extra };
}
