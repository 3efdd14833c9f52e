/**
 * ClickHouse migrations: applies schema/clickhouse/*.sql in name order, once each, recording every
 * applied file in `<database>.schema_migrations`. Safe to re-run; a file already recorded is
 * skipped. `npm run migrate` runs it against CLICKHOUSE_URL (default the local server) as the
 * maintenance user (CLICKHOUSE_MAINTENANCE_USER / CLICKHOUSE_MAINTENANCE_PASSWORD, default the
 * local `maintenance` with the password in `.dev.vars`): the ingest user may not run DDL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from '@clickhouse/client-web';
import { localClickHousePassword } from '../tools/clickhouse/credentials';
import { splitSqlStatements } from '../tools/clickhouse/sql';
import { LOCAL_MAINTENANCE_USER } from '../tools/clickhouse/users';

export interface MigrateClickHouseOptions {
  url: string;
  user: string;
  password: string;
  database: string;
  /** Defaults to schema/clickhouse in this repository. */
  migrationsDir?: string;
  /** Progress lines; defaults to console.log. */
  log?: (line: string) => void;
}

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../schema/clickhouse/', import.meta.url));

export async function migrateClickHouse(opts: MigrateClickHouseOptions): Promise<MigrationResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.database)) {
    throw new Error(`Invalid database name: ${JSON.stringify(opts.database)}`);
  }
  const credentials = { url: opts.url, username: opts.user, password: opts.password };
  // The target database may not exist yet, so this first client works in `default`.
  const bootstrap = createClient(credentials);
  try {
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${opts.database}` });
  } finally {
    await bootstrap.close();
  }

  const client = createClient({ ...credentials, database: opts.database });
  try {
    await client.command({
      query:
        'CREATE TABLE IF NOT EXISTS schema_migrations (name String, applied_at DateTime) ' +
        'ENGINE = MergeTree ORDER BY name',
    });
    const recorded = await client.query({
      query: 'SELECT name FROM schema_migrations',
      format: 'JSONEachRow',
    });
    const done = new Set((await recorded.json<{ name: string }>()).map((row) => row.name));

    const dir = opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
    const files = readdirSync(dir)
      .filter((file) => file.endsWith('.sql'))
      .sort();
    const result: MigrationResult = { applied: [], skipped: [] };
    for (const file of files) {
      if (done.has(file)) {
        result.skipped.push(file);
        continue;
      }
      const statements = splitSqlStatements(readFileSync(join(dir, file), 'utf8'));
      log(`clickhouse: applying ${file} (${statements.length} statements)`);
      for (const [index, statement] of statements.entries()) {
        try {
          await client.command({ query: statement });
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(`${file}, statement ${index + 1} of ${statements.length} failed: ${reason}`, {
            cause: error,
          });
        }
      }
      // Recorded only after every statement succeeded; statements are IF NOT EXISTS, so a file
      // that failed halfway is simply applied again on the next run.
      await client.command({
        query: 'INSERT INTO schema_migrations (name, applied_at) VALUES ({name:String}, now())',
        query_params: { name: file },
      });
      result.applied.push(file);
    }
    log(
      `clickhouse: ${opts.database} is up to date (${result.applied.length} applied, ${result.skipped.length} already applied)`,
    );
    return result;
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const url = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
  await migrateClickHouse({
    url,
    user: process.env.CLICKHOUSE_MAINTENANCE_USER ?? LOCAL_MAINTENANCE_USER,
    password: localClickHousePassword('CLICKHOUSE_MAINTENANCE_PASSWORD'),
    database: process.env.CLICKHOUSE_DATABASE ?? 'edgebear',
  });
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(
      `${basename(fileURLToPath(import.meta.url))}: ${error instanceof Error ? error.message : error}`,
    );
    process.exit(1);
  });
}
