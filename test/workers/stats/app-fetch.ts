import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { app } from '../../../workers/app';
import type { Env } from '../../../workers/env';
import { uniqueIp } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  retryAfter: string | null;
  body: T & { error?: { code: string; message: string } };
}

export interface Caller {
  cookie?: string;
  bearer?: string;
  ip?: string;
  headers?: Record<string, string>;
  /** The request's signal, as a client that goes away aborts it. */
  signal?: AbortSignal;
}

/**
 * A JSON POST through the Worker's app in this isolate, with vars or bindings overridden
 * (`STATS_RATE_LIMIT`, `CLICKHOUSE_URL`, a broken `RATE_LIMITER`…), as an operator would set them.
 */
export async function post<T = Record<string, unknown>>(
  path: string,
  body: unknown,
  caller: Caller = {},
  env: Partial<Env> = {},
): Promise<Answer<T>> {
  const headers = new Headers({
    'content-type': 'application/json',
    'cf-connecting-ip': caller.ip ?? uniqueIp(),
    ...caller.headers,
  });
  if (caller.cookie) headers.set('cookie', caller.cookie);
  if (caller.bearer) headers.set('authorization', `Bearer ${caller.bearer}`);
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`http://edgebear.test${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: caller.signal,
    }),
    { ...testEnv, ...env },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: JSON.parse(text) as Answer<T>['body'],
  };
}

/** A Stats API query of `site` (its domain): visitors of one day. */
export function visitorsQuery(site: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { site_id: site, metrics: ['visitors'], date_range: ['2026-10-05', '2026-10-05'], ...extra };
}
