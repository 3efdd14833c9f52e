import { afterEach, describe, expect, it, vi } from 'vitest';
import { clickhouse } from '../../../workers/clickhouse/client';
import { testEnv } from '../helpers/stack';

/** Every statement of the Worker's client pins the session to UTC (workers/clickhouse/settings.ts). */

/** The settings of every request the Worker sends to ClickHouse while `run` runs. */
async function sentSettings(run: () => Promise<unknown>): Promise<URLSearchParams[]> {
  const seen: URLSearchParams[] = [];
  const real = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin === new URL(testEnv.CLICKHOUSE_URL).origin) seen.push(url.searchParams);
    return real(input, init);
  });
  await run();
  return seen;
}

describe('session_timezone', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is UTC in the session ClickHouse runs each statement in', async () => {
    const result = await clickhouse(testEnv).query({
      query: `SELECT getSetting('session_timezone') AS session, toString(toDateTime({t:DateTime})) AS parsed`,
      query_params: { t: '2026-03-29 01:30:00' },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ session: 'UTC', parsed: '2026-03-29 01:30:00' }]);
  });

  it('travels with queries, inserts and commands alike', async () => {
    const client = clickhouse(testEnv);
    const seen = await sentSettings(async () => {
      await (await client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json();
      await client.command({ query: 'SELECT 1' });
      await client.insert({ table: 'events', values: [], format: 'JSONEachRow' });
    });
    // An empty insert sends nothing.
    expect(seen).toHaveLength(2);
    for (const params of seen) expect(params.get('session_timezone')).toBe('UTC');
  });
});
