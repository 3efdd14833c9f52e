/**
 * `scripts/seed.ts` against the local bridge through a connection that drops: the 10 M seed of
 * the dashboard bench died on an `ECONNRESET` at 1 M rows. Each insert chunk carries its own
 * `insert_deduplication_token`, so a chunk retried after a dropped connection is stored once, in
 * `events` and in the rollups its materialized views feed, even when the first attempt did land.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_SEED_SITE_ID } from '../../../scripts/lib/seed-catalog';
import { migrateClickHouse } from '../../../scripts/migrate';
import { clickhouseRequest, type SeedOptions, seedClickHouse } from '../../../scripts/seed';
import { type ClickHouseServer, startClickHouseServer } from '../../../tools/clickhouse/server';

const PASSWORD = 'seed-test-password';
let dataDir: string;
let server: ClickHouseServer;
const conn = () => ({ url: server.url, user: 'default', password: PASSWORD, database: 'edgebear' });

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A proxy in front of the bridge that passes every request on, but for the inserts numbered in
 * `drop` (1-based) destroys the client's connection instead of answering: after the bridge
 * stored the rows (`landed`), or before passing the request on.
 */
async function droppingProxy(
  drop: Set<number>,
  landed: boolean,
): Promise<{ url: string; inserts: () => number; close: () => Promise<void> }> {
  let inserts = 0;
  const proxy: Server = createServer(async (req, res) => {
    const body = await readAll(req);
    const url = new URL(req.url ?? '/', server.url);
    const isInsert = /^\s*INSERT/i.test(url.searchParams.get('query') ?? body.toString('utf8', 0, 64));
    const number = isInsert ? ++inserts : 0;
    if (drop.has(number) && !landed) {
      req.socket.destroy();
      return;
    }
    const answer = await fetch(url, {
      method: req.method,
      headers: { authorization: req.headers.authorization ?? '' },
      body: req.method === 'POST' ? new Uint8Array(body) : undefined,
    });
    const text = await answer.text();
    if (drop.has(number)) {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
    res.end(text);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inserts: () => inserts,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

const OPTIONS: Omit<SeedOptions, 'url' | 'user' | 'password' | 'database'> = {
  events: 3_000,
  seed: 7,
  days: 2,
  end: Date.UTC(2026, 10, 20, 12) / 1000,
  sites: 3,
  batchRows: 1_000,
  parallelInserts: 1,
  retryDelayMs: 10,
};

async function stored(): Promise<{ events: number; pageviews: number; rollupPageviews: number }> {
  const range = `site_id BETWEEN ${FIRST_SEED_SITE_ID} AND ${FIRST_SEED_SITE_ID + OPTIONS.sites - 1}`;
  const [events, pageviews] = (
    await clickhouseRequest(
      conn(),
      `SELECT count(), countIf(kind = 'pageview') FROM events WHERE ${range} FORMAT TabSeparated`,
    )
  )
    .trim()
    .split('\t')
    .map(Number);
  // A rollup the materialized views feed on every insert: a chunk fed twice would double it.
  const rollupPageviews = Number(
    (await clickhouseRequest(conn(), `SELECT sum(pageviews) FROM pages_hourly WHERE ${range}`)).trim(),
  );
  return { events: events ?? 0, pageviews: pageviews ?? 0, rollupPageviews };
}

async function truncate(): Promise<void> {
  const tables = (
    await clickhouseRequest(
      conn(),
      `SELECT name FROM system.tables WHERE database = 'edgebear' AND engine LIKE '%MergeTree' AND name != 'schema_migrations' FORMAT TabSeparated`,
    )
  )
    .trim()
    .split('\n');
  for (const table of tables) await clickhouseRequest(conn(), `TRUNCATE TABLE ${table}`);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'edgebear-seed-test-'));
  server = await startClickHouseServer({ port: 0, dataDir, user: 'default', password: PASSWORD });
  await migrateClickHouse({ ...conn(), log: () => {} });
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('seed through a connection that drops', () => {
  it('stores every chunk once when the connection drops after an insert landed', async () => {
    await truncate();
    const proxy = await droppingProxy(new Set([2]), true);
    try {
      const result = await seedClickHouse({ ...conn(), ...OPTIONS, url: proxy.url });
      expect(result.rows).toBe(3_000);
      // 3 chunks, the second sent twice.
      expect(proxy.inserts()).toBe(4);
    } finally {
      await proxy.close();
    }
    const after = await stored();
    expect(after.events).toBe(3_000);
    expect(after.rollupPageviews).toBe(after.pageviews);
  });

  it('retries a chunk whose connection dropped before it reached the server', async () => {
    await truncate();
    const proxy = await droppingProxy(new Set([1, 3]), false);
    try {
      await seedClickHouse({ ...conn(), ...OPTIONS, url: proxy.url });
      expect(proxy.inserts()).toBe(5);
    } finally {
      await proxy.close();
    }
    const after = await stored();
    expect(after.events).toBe(3_000);
    expect(after.rollupPageviews).toBe(after.pageviews);
  });

  it('gives up after its retries with the last error', async () => {
    await truncate();
    const proxy = await droppingProxy(new Set([1, 2, 3, 4, 5, 6, 7, 8]), false);
    try {
      await expect(seedClickHouse({ ...conn(), ...OPTIONS, url: proxy.url, retries: 2 })).rejects.toThrow(
        /socket hang up|ECONNRESET|fetch failed/,
      );
      expect(proxy.inserts()).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it('stores the same rows again for the same seed: a second run adds nothing', async () => {
    await truncate();
    await seedClickHouse({ ...conn(), ...OPTIONS });
    const checksum = async () =>
      (
        await clickhouseRequest(
          conn(),
          'SELECT count(), sum(cityHash64(site_id, timestamp, visitor_id, pathname)) FROM events',
        )
      ).trim();
    const first = await checksum();
    await truncate();
    await seedClickHouse({ ...conn(), ...OPTIONS });
    expect(await checksum()).toBe(first);
    // Same rows, same tokens: re-running the seed over a complete one stores nothing more.
    await seedClickHouse({ ...conn(), ...OPTIONS });
    expect(await checksum()).toBe(first);
  });
});
