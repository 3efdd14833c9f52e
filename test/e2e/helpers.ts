import { createClient } from '@clickhouse/client-web';
import { inject } from 'vitest';
import { TEST_CLICKHOUSE } from '../setup/ports';

export const workerUrl = (): string => inject('workerUrl');

export const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export const clickhouse = createClient({
  url: TEST_CLICKHOUSE.url,
  password: TEST_CLICKHOUSE.password,
  database: 'edgebear',
  clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
});

export async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await clickhouse.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

/** Polls until `query` returns at least `expected` rows (the queue consumer is asynchronous). */
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
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

export async function postEvent(body: unknown, ip: string, ua = CHROME_UA): Promise<Response> {
  return fetch(`${workerUrl()}/api/event`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'cf-connecting-ip': ip, 'user-agent': ua },
    body: JSON.stringify(body),
  });
}

export async function metric(name: string): Promise<number> {
  const res = await fetch(`${workerUrl()}/metrics`, {
    headers: { authorization: 'Bearer stack-metrics-token' },
  });
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}
