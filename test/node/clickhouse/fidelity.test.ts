/**
 * The bridge tells the truth about production: every setting Edgebear sends is honoured or refused,
 * async inserts really queue, grants are enforced per user, and a read whose client left is
 * cancelled. Each case here is one a real ClickHouse server behaves this way in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANNER_SETTINGS } from '../../../functions/stats/run';
import { type ClickHouseServer, startClickHouseServer } from '../../../tools/clickhouse/server';
import { localUsers } from '../../../tools/clickhouse/users';
import { readSettings } from '../../../workers/clickhouse/read';
import { SESSION_SETTINGS } from '../../../workers/clickhouse/settings';
import { insertSettings } from '../../../workers/consumer/consume';

const PASSWORD = 'ingest-password';
const MAINTENANCE_PASSWORD = 'maintenance-password';

let dataDir: string;
let server: ClickHouseServer;
let ingest: ClickHouseClient;
let maintenance: ClickHouseClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'edgebear-fidelity-test-'));
  const users = localUsers({ password: PASSWORD, maintenancePassword: MAINTENANCE_PASSWORD });
  server = await startClickHouseServer({ port: 0, dataDir, users });
  const [ingestUser, maintenanceUser] = users;
  ingest = createClient({
    url: server.url,
    username: ingestUser?.name,
    password: PASSWORD,
    database: 'edgebear',
  });
  maintenance = createClient({
    url: server.url,
    username: maintenanceUser?.name,
    password: MAINTENANCE_PASSWORD,
    database: 'edgebear',
  });
  await maintenance.command({
    query: 'CREATE TABLE IF NOT EXISTS events (id UInt32, site_id UInt32) ENGINE = MergeTree ORDER BY id',
  });
  await maintenance.command({
    query:
      'CREATE TABLE IF NOT EXISTS stats_daily (site_id UInt32, day Date) ENGINE = MergeTree ORDER BY site_id',
  });
});

afterAll(async () => {
  await ingest.close();
  await maintenance.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function count(table: string): Promise<number> {
  const result = await maintenance.query({
    query: `SELECT count() AS n FROM ${table}`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: number | string }>();
  return Number(row?.n);
}

describe('settings', () => {
  it('refuses a server-layer setting it does not implement with NOT_IMPLEMENTED (48)', async () => {
    await expect(
      ingest.query({ query: 'SELECT 1', clickhouse_settings: { async_insert_use_adaptive_busy_timeout: 1 } }),
    ).rejects.toMatchObject({ code: '48', type: 'NOT_IMPLEMENTED' });
    await expect(
      ingest.query({ query: 'SELECT 1', clickhouse_settings: { add_http_cors_header: 1 } }),
    ).rejects.toMatchObject({ code: '48', type: 'NOT_IMPLEMENTED' });
  });

  it('refuses HTTP sessions, roles and quota keys instead of ignoring them', async () => {
    await expect(ingest.query({ query: 'SELECT 1', session_id: 'edgebear-session' })).rejects.toMatchObject({
      code: '48',
    });
    await expect(ingest.query({ query: 'SELECT 1', role: 'reader' })).rejects.toMatchObject({ code: '48' });
  });

  it('honours every setting Edgebear sends', async () => {
    // The read profile (workers/clickhouse/read.ts), the client's defaults, the seal and the bench.
    const result = await ingest.query({
      query: "SELECT getSetting('max_execution_time') AS t, getSetting('session_timezone') AS tz",
      format: 'JSONEachRow',
      clickhouse_settings: {
        readonly: '2',
        max_execution_time: 7,
        max_memory_usage: '1000000000',
        max_rows_to_read: '1000000',
        cancel_http_readonly_queries_on_client_close: 1,
        output_format_json_quote_64bit_integers: 1,
        prefer_column_name_to_alias: 1,
        session_timezone: 'UTC',
        send_progress_in_http_headers: 1,
      },
    });
    expect(await result.json()).toEqual([{ t: 7, tz: 'UTC' }]);
    expect(result.response_headers['x-clickhouse-progress']).toBeDefined();
  });
});

describe("the Worker's own settings", () => {
  it('are all honoured: the read profile, the session pin, both insert modes', async () => {
    const read = await ingest.query({
      query: "SELECT getSetting('max_rows_to_read') AS rows, timezone() AS zone",
      format: 'JSONEachRow',
      clickhouse_settings: {
        ...SESSION_SETTINGS,
        ...PLANNER_SETTINGS,
        ...readSettings({ maxExecutionSeconds: 10, maxMemoryBytes: 1e9, maxRowsToRead: 12_345 }),
      },
    });
    expect(await read.json()).toEqual([{ rows: 12_345, zone: 'UTC' }]);
    const before = await count('events');
    for (const asyncInsert of [false, true]) {
      await ingest.insert({
        table: 'events',
        values: [{ id: 50, site_id: 5 }],
        format: 'JSONEachRow',
        clickhouse_settings: { ...SESSION_SETTINGS, ...insertSettings(`batch-${asyncInsert}`, asyncInsert) },
      });
    }
    // The consumer waits for its async insert, so both rows are there when the calls return.
    expect(await count('events')).toBe(before + 2);
  });
});

describe('async inserts', () => {
  it('answers wait_for_async_insert=0 before the rows are readable, and writes them after the busy timeout', async () => {
    const before = await count('events');
    const started = performance.now();
    await ingest.insert({
      table: 'events',
      values: [{ id: 1, site_id: 1 }],
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 1, wait_for_async_insert: 0, async_insert_busy_timeout_ms: 1500 },
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.pendingAsyncInserts).toBe(1);
    expect(await count('events')).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(server.pendingAsyncInserts).toBe(0);
    expect(await count('events')).toBe(before + 1);
  });

  it('answers wait_for_async_insert=1 only after the flush, and de-duplicates by token', async () => {
    const before = await count('events');
    const settings = {
      async_insert: 1,
      wait_for_async_insert: 1,
      async_insert_busy_timeout_ms: 500,
      async_insert_deduplicate: 1,
      insert_deduplicate: 1,
      insert_deduplication_token: 'batch-1',
    } as const;
    const started = performance.now();
    await ingest.insert({
      table: 'events',
      values: [{ id: 2, site_id: 1 }],
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(await count('events')).toBe(before + 1);
    // events has no non_replicated_deduplication_window here, so the token alone does not
    // de-duplicate: the second write lands, exactly as on a server with this table.
    await ingest.insert({
      table: 'events',
      values: [{ id: 2, site_id: 1 }],
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    });
    expect(await count('events')).toBe(before + 2);
  });
});

describe('grants', () => {
  it('lets the ingest user read and insert into events, and nothing else', async () => {
    await ingest.insert({ table: 'events', values: [{ id: 3, site_id: 2 }], format: 'JSONEachRow' });
    await expect(
      ingest.insert({
        table: 'stats_daily',
        values: [{ site_id: 2, day: '2026-01-01' }],
        format: 'JSONEachRow',
      }),
    ).rejects.toMatchObject({ code: '497', type: 'ACCESS_DENIED' });
    await expect(
      ingest.command({
        query: 'ALTER TABLE {table:Identifier} DELETE WHERE site_id = 2',
        query_params: { table: 'events' },
      }),
    ).rejects.toMatchObject({ code: '497', type: 'ACCESS_DENIED' });
    await expect(ingest.command({ query: 'DELETE FROM events WHERE site_id = 2' })).rejects.toMatchObject({
      code: '497',
    });
    await expect(ingest.command({ query: 'DROP TABLE stats_daily' })).rejects.toMatchObject({ code: '497' });
    expect(await count('events')).toBeGreaterThan(0);
  });

  it('lets the maintenance user seal, delete and migrate', async () => {
    await maintenance.command({
      query:
        'INSERT INTO stats_daily SELECT site_id, today() FROM events WHERE site_id IN {sites:Array(UInt32)}',
      query_params: { sites: [2] },
    });
    await maintenance.command({ query: 'DELETE FROM stats_daily WHERE site_id = 2' });
    await maintenance.command({
      query: 'ALTER TABLE {table:Identifier} DELETE WHERE site_id = 2',
      query_params: { table: 'events' },
      clickhouse_settings: { mutations_sync: '2' },
    });
    await maintenance.command({
      query: 'CREATE TABLE IF NOT EXISTS later (x UInt8) ENGINE = MergeTree ORDER BY x',
    });
    await maintenance.command({ query: 'DROP TABLE later' });
  });

  it('answers a wrong password or an unknown user with AUTHENTICATION_FAILED', async () => {
    const stranger = createClient({ url: server.url, username: 'maintenance', password: PASSWORD });
    await expect(stranger.query({ query: 'SELECT 1' })).rejects.toMatchObject({ code: '516' });
    await stranger.close();
  });
});

describe('cancellation', () => {
  it('stops a read whose client went away, so system.processes empties and the slots free', async () => {
    const slow = 'SELECT count() FROM numbers(100000000000) WHERE NOT ignore(sipHash64(number))';
    const controllers = Array.from({ length: 4 }, () => new AbortController());
    const abandoned = controllers.map((controller) =>
      ingest
        .query({
          query: slow,
          abort_signal: controller.signal,
          clickhouse_settings: { cancel_http_readonly_queries_on_client_close: 1, max_threads: 1 },
        })
        .catch(() => 'aborted'),
    );
    const running = async () => {
      const result = await maintenance.query({
        query:
          "SELECT count() AS n FROM system.processes WHERE query LIKE '%sipHash64(number)%' AND query_id != queryID()",
        format: 'JSONEachRow',
      });
      return Number((await result.json<{ n: number | string }>())[0]?.n);
    };
    await new Promise((resolve) => setTimeout(resolve, 700));
    for (const controller of controllers) controller.abort();
    expect(await Promise.all(abandoned)).toEqual(['aborted', 'aborted', 'aborted', 'aborted']);
    const abortedAt = performance.now();
    let left = await running();
    while (left > 0 && performance.now() - abortedAt < 1000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = await running();
    }
    expect(left).toBe(0);
    // All four of the bridge's threads are free again: a query answers at once.
    const started = performance.now();
    await (await ingest.query({ query: 'SELECT 1' })).text();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
