import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type ClickHouseClient, ClickHouseError, createClient } from '@clickhouse/client-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClickHouseUp } from '../../../tools/clickhouse/ping';
import { type ClickHouseServer, startClickHouseServer } from '../../../tools/clickhouse/server';

const USER = 'default';
const PASSWORD = 'bridge-test-password';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

let dataDir: string;
let server: ClickHouseServer;
let client: ClickHouseClient;

async function start(): Promise<void> {
  server = await startClickHouseServer({ port: 0, dataDir, user: USER, password: PASSWORD });
  client = createClient({ url: server.url, username: USER, password: PASSWORD, database: 'edgebear' });
}

async function stop(): Promise<void> {
  await client.close();
  await server.close();
}

/** A raw HTTP call, for what the client hides: statuses and headers. */
function post(query: string, params: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> {
  const url = new URL(server.url);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return fetch(url, {
    method: 'POST',
    body: query,
    ...init,
    headers: { Authorization: AUTH, ...init.headers },
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'edgebear-bridge-test-'));
  await start();
  await client.command({
    query: 'CREATE TABLE IF NOT EXISTS items (id UInt32, label String) ENGINE = MergeTree ORDER BY id',
  });
});

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local ClickHouse bridge', () => {
  it('answers /ping with "Ok." and no credentials', async () => {
    const response = await fetch(new URL('/ping', server.url));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Ok.\n');
    expect(await isClickHouseUp(server.url)).toBe(true);
    expect(await client.ping()).toEqual({ success: true });
  });

  it('reports nothing listening as down', async () => {
    expect(await isClickHouseUp('http://127.0.0.1:9', 500)).toBe(false);
  });

  it('returns JSON and JSONEachRow results the client parses', async () => {
    const json = await client.query({ query: 'SELECT 1 AS one, currentDatabase() AS db', format: 'JSON' });
    const parsed = await json.json<{ one: number; db: string }>();
    expect(parsed.data).toEqual([{ one: 1, db: 'edgebear' }]);

    // ClickHouse >= 25.8 (this engine) no longer quotes 64-bit integers in JSON unless asked to.
    const rows = await client.query({ query: 'SELECT number AS n FROM numbers(3)', format: 'JSONEachRow' });
    expect(await rows.json()).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    const quoted = await client.query({
      query: 'SELECT number AS n FROM numbers(1)',
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(await quoted.json()).toEqual([{ n: '0' }]);
  });

  it('returns text formats with matching headers', async () => {
    const tsv = await client.query({ query: "SELECT 1, 'a'", format: 'TabSeparated' });
    expect(await tsv.text()).toBe('1\ta\n');
    const csv = await client.query({ query: "SELECT 1, 'a'", format: 'CSV' });
    expect(await csv.text()).toBe('1,"a"\n');

    const response = await post('SELECT 1 FORMAT JSONCompactEachRow');
    expect(response.headers.get('x-clickhouse-format')).toBe('JSONCompactEachRow');
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.text()).toBe('[1]\n');

    const plain = await post('SELECT 2', { default_format: 'CSV' });
    expect(plain.headers.get('x-clickhouse-format')).toBe('CSV');
    expect(await plain.text()).toBe('2\n');
  });

  it('binds query parameters as data, so an injection attempt is just a string', async () => {
    const attack = "x' OR 1=1 --";
    await client.insert({
      table: 'items',
      values: [
        { id: 1, label: 'safe' },
        { id: 2, label: attack },
      ],
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0 },
    });
    const result = await client.query({
      query: 'SELECT id, label FROM items WHERE label = {label:String} ORDER BY id',
      query_params: { label: attack },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ id: 2, label: attack }]);

    const none = await client.query({
      query: 'SELECT count() AS c FROM items WHERE label = {label:String}',
      query_params: { label: "safe' OR '1'='1" },
      format: 'JSONEachRow',
    });
    expect(await none.json()).toEqual([{ c: 0 }]);
  });

  it('binds composite and escaped parameter values like a server does', async () => {
    const result = await client.query({
      query:
        'SELECT {tags:Array(String)} AS tags, {text:String} AS text, {n:UInt64} AS n, {maybe:Nullable(String)} AS maybe',
      query_params: {
        tags: ["it's", 'back\\slash'],
        text: 'tab\there\nnewline',
        n: '18446744073709551615',
        maybe: null,
      },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(await result.json()).toEqual([
      { tags: ["it's", 'back\\slash'], text: 'tab\there\nnewline', n: '18446744073709551615', maybe: null },
    ]);
  });

  it('accepts parameters sent as multipart/form-data (the client does this for long values)', async () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => i);
    const result = await client.query({
      query: 'SELECT length({ids:Array(UInt32)}) AS n',
      query_params: { ids },
      format: 'JSONEachRow',
      use_multipart_params: true,
    });
    expect(await result.json()).toEqual([{ n: 2000 }]);
  });

  it('reports written rows in X-ClickHouse-Summary for an insert', async () => {
    const result = await client.insert({
      table: 'items',
      values: [{ id: 10, label: 'ten' }],
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0 },
    });
    const summary = JSON.parse(String(result.response_headers['x-clickhouse-summary'])) as Record<
      string,
      string
    >;
    expect(summary.written_rows).toBe('1');
    expect(Object.keys(summary).sort()).toEqual([
      'elapsed_ns',
      'read_bytes',
      'read_rows',
      'result_bytes',
      'result_rows',
      'total_rows_to_read',
      'written_bytes',
      'written_rows',
    ]);
  });

  it('runs DDL through command() and exec()', async () => {
    await client.command({ query: 'CREATE TABLE ddl_check (x UInt8) ENGINE = MergeTree ORDER BY x' });
    const exec = await client.exec({ query: 'EXISTS TABLE ddl_check FORMAT TabSeparated' });
    expect(await new Response(exec.stream).text()).toBe('1\n');
    await client.command({ query: 'DROP TABLE ddl_check' });
  });

  it('uses the database from the URL parameter or the X-ClickHouse-Database header', async () => {
    const byParam = await post('SELECT currentDatabase()', { database: 'system' });
    expect(await byParam.text()).toBe('system\n');
    const byHeader = await post(
      'SELECT currentDatabase()',
      {},
      { headers: { 'X-ClickHouse-Database': 'edgebear' } },
    );
    expect(await byHeader.text()).toBe('edgebear\n');
    const fallback = await post('SELECT currentDatabase()');
    expect(await fallback.text()).toBe('default\n');
  });

  it('applies URL settings to that query only', async () => {
    const withSetting = await client.query({
      query: "SELECT getSetting('max_result_rows') AS v",
      format: 'JSONEachRow',
      clickhouse_settings: { max_result_rows: '42' },
    });
    expect(await withSetting.json()).toEqual([{ v: 42 }]);
    const without = await client.query({
      query: "SELECT getSetting('max_result_rows') AS v",
      format: 'JSONEachRow',
    });
    expect(await without.json()).toEqual([{ v: 0 }]);

    await expect(
      client.query({
        query: 'SELECT number FROM numbers(10)',
        clickhouse_settings: { max_result_rows: '2', result_overflow_mode: 'throw' },
      }),
    ).rejects.toMatchObject({ code: '396', type: 'TOO_MANY_ROWS_OR_BYTES' });
  });

  it('keeps concurrent requests apart and runs them side by side', async () => {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const result = await client.query({
          query: "SELECT sleep(1) AS s, getSetting('max_result_rows') AS v, {i:UInt8} AS i",
          query_params: { i },
          format: 'JSONEachRow',
          clickhouse_settings: { max_result_rows: String(100 + i) },
        });
        return result.json<{ s: number; v: number; i: number }>();
      }),
    );
    expect(results.map((rows) => rows[0])).toEqual([0, 1, 2, 3].map((i) => ({ s: 0, v: 100 + i, i })));
    // One at a time this takes 4 s; side by side (libuv's four threads) about 1 s.
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('maps errors to ClickHouse statuses, codes and bodies', async () => {
    const syntax = await post('SELEC 1');
    expect(syntax.status).toBe(400);
    expect(syntax.headers.get('x-clickhouse-exception-code')).toBe('62');
    expect(await syntax.text()).toMatch(/^Code: 62\. DB::Exception: .*\(SYNTAX_ERROR\)/s);

    const table = await post('SELECT * FROM edgebear.no_such_table');
    expect(table.status).toBe(404);
    expect(table.headers.get('x-clickhouse-exception-code')).toBe('60');

    const database = await post('SELECT 1', { database: 'no_such_db' });
    expect(database.status).toBe(404);
    expect(database.headers.get('x-clickhouse-exception-code')).toBe('81');

    const runtime = await post('SELECT throwIf(1)');
    expect(runtime.status).toBe(500);

    const multi = await post('SELECT 1; SELECT 2');
    expect(multi.status).toBe(400);
    expect(await multi.text()).toContain('Multi-statements are not allowed');

    await expect(client.query({ query: 'SELEC 1' })).rejects.toBeInstanceOf(ClickHouseError);
    await expect(client.command({ query: 'DROP TABLE edgebear.no_such_table' })).rejects.toMatchObject({
      code: '60',
      type: 'UNKNOWN_TABLE',
    });
  });

  it('echoes the query id', async () => {
    const response = await post('SELECT 1', { query_id: 'edgebear-query-1' });
    expect(response.headers.get('x-clickhouse-query-id')).toBe('edgebear-query-1');
  });

  it('rejects a wrong password with 401 and code 516', async () => {
    const response = await fetch(new URL('/?query=SELECT%201', server.url), {
      headers: { Authorization: `Basic ${Buffer.from('default:wrong').toString('base64')}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-clickhouse-exception-code')).toBe('516');
    expect(await response.text()).toContain(
      'Code: 516. DB::Exception: default: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)',
    );

    const intruder = createClient({ url: server.url, username: USER, password: 'wrong' });
    await expect(intruder.query({ query: 'SELECT 1' })).rejects.toMatchObject({
      code: '516',
      type: 'AUTHENTICATION_FAILED',
    });
    await intruder.close();
  });

  it('accepts X-ClickHouse-User / X-ClickHouse-Key credentials', async () => {
    const ok = await fetch(new URL('/?query=SELECT%203', server.url), {
      headers: { 'X-ClickHouse-User': USER, 'X-ClickHouse-Key': PASSWORD },
    });
    expect(await ok.text()).toBe('3\n');
    const wrong = await fetch(new URL('/?query=SELECT%203', server.url), {
      headers: { 'X-ClickHouse-User': 'admin', 'X-ClickHouse-Key': PASSWORD },
    });
    expect(wrong.status).toBe(401);
  });

  it('reads gzip request bodies and compresses responses on request', async () => {
    const rows = '{"id":20,"label":"zipped"}\n{"id":21,"label":"zipped"}\n';
    const inserted = await post(
      '',
      { query: 'INSERT INTO edgebear.items FORMAT JSONEachRow' },
      {
        body: new Uint8Array(await promisify(gzip)(rows)),
        headers: { 'Content-Encoding': 'gzip' },
      },
    );
    expect(inserted.status).toBe(200);

    const compressed = createClient({
      url: server.url,
      username: USER,
      password: PASSWORD,
      database: 'edgebear',
      compression: { response: true },
    });
    const result = await compressed.query({
      query: "SELECT id FROM items WHERE label = 'zipped' ORDER BY id",
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ id: 20 }, { id: 21 }]);
    await compressed.close();
  });

  it('keeps data across a restart on the same data directory', async () => {
    await client.insert({
      table: 'items',
      values: [{ id: 99, label: 'persisted' }],
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0 },
    });
    await stop();
    await start();
    const result = await client.query({
      query: 'SELECT label FROM items WHERE id = 99',
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ label: 'persisted' }]);
  });
});
