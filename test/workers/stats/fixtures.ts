import { expect } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { clickhouse } from '../../../workers/clickhouse/client';
import type { EventRecord } from '../../../workers/events/record';
import { blankEvent } from '../../fixtures/event-record';
import { type TestAccount, uniqueIp } from '../helpers/accounts';
import { testEnv, workerFetch } from '../helpers/stack';
import { call, uniqueDomain } from '../sites/client';

export interface StatsResponse {
  status: number;
  body: {
    results: {
      metrics: number[];
      dimensions: string[];
      comparison?: { dimensions: string[]; metrics: number[]; change: (number | null)[] };
    }[];
    meta: { time_labels?: string[]; total_rows?: number };
    query: Record<string, unknown>;
    error?: { code: string; message: string };
  };
}

/** POST /api/v2/query with the given credentials (none by default). */
export async function statsQuery(
  body: unknown,
  auth: { cookie?: string; bearer?: string; headers?: Record<string, string> } = {},
): Promise<StatsResponse> {
  const headers = new Headers({
    'content-type': 'application/json',
    'cf-connecting-ip': uniqueIp(),
    ...auth.headers,
  });
  if (auth.cookie) headers.set('cookie', auth.cookie);
  if (auth.bearer) headers.set('authorization', `Bearer ${auth.bearer}`);
  const res = await workerFetch('/api/v2/query', {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as StatsResponse['body'] };
}

/** POST /api/v2/query/batch (the dashboard's combined statement) as `cookie`; each answer without its status. */
export async function statsBatch(
  queries: Record<string, unknown>[],
  cookie: string,
): Promise<StatsResponse['body'][]> {
  const res = await workerFetch('/api/v2/query/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ queries }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { results: (StatsResponse['body'] & { status: number })[] };
  return body.results.map(({ status: _status, ...rest }) => rest);
}

/** A site created through the real sites API. */
export async function newSite(owner: TestAccount, timezone = 'Europe/Berlin'): Promise<SiteJson> {
  const res = await call<{ site: SiteJson }>('POST', '/api/sites', {
    as: owner,
    body: { domain: uniqueDomain('stats'), timezone },
  });
  expect(res.status).toBe(201);
  return res.body.site;
}

/** An API key of `owner`, optionally bound to one site. */
export async function newKey(
  owner: TestAccount,
  options: { siteId?: number; scopes?: string[] } = {},
): Promise<string> {
  const res = await call<{ key: { secret: string } }>('POST', '/api/keys', {
    as: owner,
    body: { name: 'stats test', site_id: options.siteId, scopes: options.scopes ?? ['stats:read'] },
  });
  expect(res.status).toBe(201);
  return res.body.key.secret;
}

/** One event row with quiet defaults; `at` is an ISO instant in UTC. */
export function event(
  siteId: number,
  at: string,
  fields: Partial<EventRecord> & { visitor: number; session: number },
): EventRecord {
  const { visitor, session, ...rest } = fields;
  const seconds = Math.floor(Date.parse(at) / 1000);
  return {
    ...blankEvent(),
    site_id: siteId,
    timestamp: seconds,
    visitor_id: String(visitor),
    session_id: String(session),
    hostname: 'shop.example',
    channel: 'Direct',
    ...rest,
  };
}

/** Writes rows straight into `events`; the materialized views fill the rollups on insert. */
export async function insertEvents(rows: EventRecord[]): Promise<void> {
  await clickhouse(testEnv).insert({
    table: 'events',
    values: rows,
    format: 'JSONEachRow',
    clickhouse_settings: { async_insert: 0 },
  });
}

/**
 * An answer without what moves with the clock: the echoed range and the time labels of a window
 * that ends now (`realtime`, `30m`). Two requests a moment apart resolve "now" apart.
 */
export function withoutNow(answer: Record<string, unknown>): Record<string, unknown> {
  const { query, meta, ...rest } = answer as {
    query?: Record<string, unknown>;
    meta?: Record<string, unknown>;
  };
  const { date_range: _range, ...echo } = query ?? {};
  const { time_labels: _labels, ...others } = meta ?? {};
  return { ...rest, query: echo, meta: others };
}
