import { createClient } from '@clickhouse/client-web';
import { describe, expect, it } from 'vitest';
import { readExecutor } from '../../../workers/clickhouse/read';
import { configOf, type ReadLimits } from '../../../workers/config';
import { ApiError } from '../../../workers/http/api-error';
import { testEnv } from '../helpers/stack';

/** The read executor of every API read (workers/clickhouse/read.ts), against the test ClickHouse. */

/** Nothing listens on port 9 (discard) here: connections are refused at once. */
const OUTAGE = { CLICKHOUSE_URL: 'http://127.0.0.1:9' };

const LIMITS: ReadLimits = configOf(testEnv).clickhouseRead;

describe('ClickHouse outage', () => {
  it('the executor itself: an unreachable server is ApiError 503 unavailable', async () => {
    const read = readExecutor({ ...testEnv, ...OUTAGE }, { limits: LIMITS });
    const error = await read('SELECT 1', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, code: 'unavailable' });
  });
});

describe('the read profile', () => {
  it('is sent with every statement: limits, readonly, cancellation on close, a query_id each', async () => {
    const urls: URL[] = [];
    const client = createClient({
      url: testEnv.CLICKHOUSE_URL,
      username: testEnv.CLICKHOUSE_USER,
      password: testEnv.CLICKHOUSE_PASSWORD ?? '',
      database: testEnv.CLICKHOUSE_DATABASE,
      fetch: (input, init) => {
        urls.push(new URL(input instanceof Request ? input.url : String(input)));
        return fetch(input, init);
      },
    });
    const read = readExecutor(testEnv, {
      limits: { maxExecutionSeconds: 7, maxMemoryBytes: 123_000_000, maxRowsToRead: 4_000_000 },
      client,
      settings: { prefer_column_name_to_alias: 1 },
    });
    await read('SELECT 1 AS one', {});
    await read('SELECT 2 AS two', {});
    expect(urls).toHaveLength(2);
    const [first, second] = urls as [URL, URL];
    expect(Object.fromEntries(first.searchParams)).toMatchObject({
      readonly: '2',
      max_execution_time: '7',
      max_memory_usage: '123000000',
      max_rows_to_read: '4000000',
      cancel_http_readonly_queries_on_client_close: '1',
      prefer_column_name_to_alias: '1',
    });
    expect(first.searchParams.get('query_id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.searchParams.get('query_id')).not.toBe(first.searchParams.get('query_id'));
  });

  it('applies: a statement longer than max_execution_time is stopped by ClickHouse (422)', async () => {
    const read = readExecutor(testEnv, { limits: { ...LIMITS, maxExecutionSeconds: 1 } });
    const started = Date.now();
    const error = await read(
      'SELECT sleepEachRow(0.2) FROM numbers(20) SETTINGS max_block_size = 1',
      {},
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, code: 'query_too_expensive' });
    expect(Date.now() - started).toBeLessThan(3_500);
  });

  it('is read-only: a write through the read executor is refused by ClickHouse', async () => {
    const read = readExecutor(testEnv, { limits: LIMITS });
    // A write the ingest user is granted (an INSERT into events, of no rows): only the read
    // profile's readonly setting can refuse it, where a CREATE would already fail on the grants.
    const error = await read('INSERT INTO events SELECT * FROM events WHERE 0', {}).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: '164' }); // READONLY
  });

  it('cancels a statement in flight when the caller goes away', async () => {
    let seen: AbortSignal | undefined;
    let calls = 0;
    const client = createClient({
      url: testEnv.CLICKHOUSE_URL,
      username: testEnv.CLICKHOUSE_USER,
      password: testEnv.CLICKHOUSE_PASSWORD ?? '',
      database: testEnv.CLICKHOUSE_DATABASE,
      fetch: (input, init) => {
        calls++;
        seen = init?.signal ?? undefined;
        return fetch(input, init);
      },
    });
    const caller = new AbortController();
    const read = readExecutor(testEnv, { limits: LIMITS, client, signal: caller.signal });
    const started = Date.now();
    const pending = read('SELECT sleepEachRow(0.2) FROM numbers(10) SETTINGS max_block_size = 1', {}).catch(
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    caller.abort();
    const error = await pending;
    expect(seen?.aborted).toBe(true);
    expect(error).toMatchObject({ status: 503, code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(1_500);
    // A request that is already gone starts nothing.
    await expect(read('SELECT 1', {})).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(1);
  });
});
