/**
 * Vitest globalSetup: a migrated local ClickHouse on TEST_CLICKHOUSE's port (never the developer's
 * 8123), with a throwaway data directory and Edgebear's two users with their production grants
 * (tools/clickhouse/users.ts): the ingest user may not do what only the crons' maintenance user
 * may, so a missing grant fails here first. When another project in the same run already serves
 * that port, it is reused and left running for its owner to stop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateClickHouse } from '../../scripts/migrate';
import { isClickHouseUp } from '../../tools/clickhouse/ping';
import { type ClickHouseServer, startClickHouseServer } from '../../tools/clickhouse/server';
import { localUsers } from '../../tools/clickhouse/users';
import { TEST_CLICKHOUSE } from './ports';

export interface TestClickHouse {
  url: string;
  /** Stops the server and removes its data, unless it belonged to someone else. */
  stop(): Promise<void>;
}

// The engine is one per process, so concurrent callers here share one start (and one migration).
let starting: Promise<Pick<ClickHouseServer, 'url' | 'close'> | undefined> | undefined;
let users = 0;

async function startOrReuse(): Promise<Pick<ClickHouseServer, 'url' | 'close'> | undefined> {
  if (await isClickHouseUp(TEST_CLICKHOUSE.url)) return undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'edgebear-test-clickhouse-'));
  try {
    const server = await startClickHouseServer({
      port: TEST_CLICKHOUSE.port,
      dataDir,
      users: localUsers({
        password: TEST_CLICKHOUSE.password,
        maintenancePassword: TEST_CLICKHOUSE.maintenancePassword,
        database: TEST_CLICKHOUSE.database,
      }),
    });
    return {
      url: server.url,
      async close() {
        await server.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    // Lost a race with another process binding the port: use theirs.
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') return undefined;
    throw error;
  }
}

/** Starts (or joins) the test ClickHouse and applies the migrations. */
export async function startTestClickHouse(): Promise<TestClickHouse> {
  starting ??= startOrReuse().then(async (owned) => {
    try {
      // Migrations are idempotent, so a reused server is brought up to date as well.
      await migrateClickHouse({
        url: TEST_CLICKHOUSE.url,
        user: TEST_CLICKHOUSE.maintenanceUser,
        password: TEST_CLICKHOUSE.maintenancePassword,
        database: TEST_CLICKHOUSE.database,
        log: () => {},
      });
      return owned;
    } catch (error) {
      await owned?.close();
      throw error;
    }
  });
  let owned: Pick<ClickHouseServer, 'url' | 'close'> | undefined;
  try {
    owned = await starting;
  } catch (error) {
    starting = undefined;
    throw error;
  }
  users++;
  let stopped = false;
  return {
    url: TEST_CLICKHOUSE.url,
    async stop() {
      if (stopped) return;
      stopped = true;
      users--;
      if (users === 0 && owned !== undefined) {
        starting = undefined;
        await owned.close();
      }
    },
  };
}

export default async function setup(): Promise<() => Promise<void>> {
  const clickhouse = await startTestClickHouse();
  return () => clickhouse.stop();
}
