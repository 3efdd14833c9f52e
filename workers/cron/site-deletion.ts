import { type MaintenanceEnv, maintenanceClickhouse } from '../clickhouse/client';
import type { Env } from '../env';
import { log } from '../observability/log';

/**
 * Sites removed per run; the rest wait for the next 15-minute run. Each run costs one mutation per
 * table whatever the count, and D1 binds at most 100 parameters per statement.
 */
const SITES_PER_RUN = 50;

/**
 * The ClickHouse tables that hold per-site rows: `events` and every rollup (`*_hourly`), found
 * as the MergeTree-family tables of the database with a `site_id` column, so a rollup added
 * later is deleted from without touching this job. (Materialized views store nothing
 * themselves; they write into the `*_hourly` tables.)
 */
async function siteTables(env: MaintenanceEnv): Promise<string[]> {
  const result = await maintenanceClickhouse(env).query({
    query: `SELECT name FROM system.tables
             WHERE database = currentDatabase() AND engine LIKE '%MergeTree'
               AND name IN (SELECT table FROM system.columns WHERE database = currentDatabase() AND name = 'site_id')
             ORDER BY name`,
    format: 'JSONEachRow',
  });
  const tables = (await result.json<{ name: string }>()).map((row) => row.name);
  // Without `events` this is the wrong database: delete nothing rather than half of something.
  if (!tables.includes('events')) throw new Error('no events table in the ClickHouse database');
  return tables;
}

/**
 * Hard delete: sites soft-deleted more than 72 h ago (delete_after <= now) lose all their
 * ClickHouse rows, then their D1 rows (the site and its API keys). ClickHouse is deleted from as
 * the maintenance user: the ingest user has no ALTER grant (docs/clickhouse.md, "Users and grants").
 *
 * Order and checks make it safe to re-run at any point: the ClickHouse deletes are mutations run
 * with mutations_sync = 2 (the call returns when every replica has applied them), then a count
 * confirms nothing is left; only then go the D1 rows, so a failure anywhere leaves the site due
 * and the next run repeats the (idempotent) deletes. Events that reach ClickHouse after the soft
 * delete (from other isolates' site caches, or queue retries) are caught by the same mutation.
 */
export async function hardDeleteSites(env: Env, nowMs: number): Promise<{ deleted: number }> {
  const due = await env.DB.prepare(
    `SELECT id FROM sites WHERE deleted_at IS NOT NULL AND delete_after IS NOT NULL AND delete_after <= ?1
      ORDER BY delete_after LIMIT ?2`,
  )
    .bind(Math.floor(nowMs / 1000), SITES_PER_RUN)
    .all<{ id: number }>();
  const ids = due.results.map((row) => row.id);
  if (ids.length === 0) return { deleted: 0 };

  const client = maintenanceClickhouse(env);
  const tables = await siteTables(env);
  // One mutation per table, all at once: each rewrites its table's parts, and waiting for them one
  // after another made a run as slow as their sum.
  await Promise.all(
    tables.map((table) =>
      client.command({
        query: 'ALTER TABLE {table:Identifier} DELETE WHERE site_id IN {ids:Array(UInt32)}',
        query_params: { table, ids },
        clickhouse_settings: { mutations_sync: '2' },
      }),
    ),
  );
  for (const table of tables) {
    const result = await client.query({
      query: 'SELECT count() AS n FROM {table:Identifier} WHERE site_id IN {ids:Array(UInt32)}',
      query_params: { table, ids },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ n: string | number }>();
    if (Number(row?.n ?? 0) !== 0) {
      throw new Error(`${table} still has rows of deleted sites; the next run deletes them again`);
    }
  }

  const placeholders = ids.map((_, i) => `?${i + 1}`).join(', ');
  await env.DB.batch([
    env.DB.prepare(`DELETE FROM api_keys WHERE site_id IN (${placeholders})`).bind(...ids),
    env.DB.prepare(`DELETE FROM sites WHERE deleted_at IS NOT NULL AND id IN (${placeholders})`).bind(...ids),
  ]);
  log('info', 'sites hard-deleted', { sites: ids.length, tables: tables.length });
  return { deleted: ids.length };
}
