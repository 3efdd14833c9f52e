/**
 * Edgebear's two ClickHouse users, with the grants production gives them (docs/clickhouse.md lists
 * the same statements). The local bridge enforces these, so a statement outside a user's grants
 * fails locally (ACCESS_DENIED, 497) before it fails in production.
 *
 * - ingest and read (`CLICKHOUSE_USER`; locally `default`, production `edgebear`): the Worker's
 *   consumer and every API read;
 * - maintenance (`CLICKHOUSE_MAINTENANCE_USER`; locally `maintenance`, production
 *   `edgebear_maintenance`): the crons that seal days (inserts into `stats_*`, deletes of
 *   superseded versions) and delete sites (`ALTER … DELETE` on every table), and the migrations.
 */
import type { BridgeUser } from './grants';

/** What the Worker's ingest and reads need: read the database, write raw events. */
export function ingestGrants(database: string): string[] {
  return [`SELECT ON ${database}.*`, `INSERT ON ${database}.events`];
}

/** What the crons and the migrations need in the database, and nothing outside it. */
export function maintenanceGrants(database: string): string[] {
  return [`SELECT, INSERT, ALTER, CREATE, DROP, TRUNCATE, OPTIMIZE ON ${database}.*`];
}

export const LOCAL_INGEST_USER = 'default';
export const LOCAL_MAINTENANCE_USER = 'maintenance';

/** The local bridge's users: ingest first, maintenance second. */
export function localUsers(options: {
  password: string;
  maintenancePassword: string;
  database?: string;
}): BridgeUser[] {
  const database = options.database ?? 'edgebear';
  return [
    { name: LOCAL_INGEST_USER, password: options.password, grants: ingestGrants(database) },
    {
      name: LOCAL_MAINTENANCE_USER,
      password: options.maintenancePassword,
      grants: maintenanceGrants(database),
    },
  ];
}
