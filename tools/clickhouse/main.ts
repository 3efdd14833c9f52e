/**
 * `npm run clickhouse`: local ClickHouse on 127.0.0.1:8123 (or CLICKHOUSE_PORT), data under
 * `.data/clickhouse` (or CLICKHOUSE_DATA_DIR), with Edgebear's two users (tools/clickhouse/users.ts):
 * `default` with CLICKHOUSE_PASSWORD and `maintenance` with CLICKHOUSE_MAINTENANCE_PASSWORD, each
 * from the environment or `.dev.vars`. The engine's time zone is the host's (TZ), as on a server.
 */
import { resolve } from 'node:path';
import { localClickHousePassword } from './credentials';
import { startClickHouseServer } from './server';
import { localUsers } from './users';

const port = Number(process.env.CLICKHOUSE_PORT ?? 8123);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`CLICKHOUSE_PORT must be a port number, got ${process.env.CLICKHOUSE_PORT}`);
  process.exit(1);
}

const dataDir = resolve(process.env.CLICKHOUSE_DATA_DIR ?? '.data/clickhouse');
const server = await startClickHouseServer({
  port,
  host: '127.0.0.1',
  dataDir,
  users: localUsers({
    password: localClickHousePassword(),
    maintenancePassword: localClickHousePassword('CLICKHOUSE_MAINTENANCE_PASSWORD'),
  }),
  log: process.env.CLICKHOUSE_LOG === '1',
});
console.log(`ClickHouse (chDB) ready at ${server.url}, data in ${dataDir}`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping ClickHouse`);
  await server.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
