import { type ClickHouseClient, type ClickHouseSettings, createClient } from '@clickhouse/client-web';
import { ConfigError } from '../config';
import type { Env } from '../env';
import { SESSION_SETTINGS } from './settings';

/** Clients by connection and timeout; an isolate needs three at most (reads, writes, maintenance). */
const clients = new Map<string, ClickHouseClient>();

/** How long any other request (inserts, the cron's statements) may take before the client gives up. */
const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

/**
 * The maintenance client's statements (sealing a day of every site, deleting sites' rows) take
 * longer than an insert; ClickHouse stops one after MAINTENANCE_MAX_EXECUTION_SECONDS, before the
 * client's own timeout, so a statement never runs on after the cron stopped waiting for it. Both
 * stay under the jobs' 5-minute budget (workers/jobs/builtin.ts).
 */
const MAINTENANCE_MAX_EXECUTION_SECONDS = 200;
const MAINTENANCE_REQUEST_TIMEOUT_MS = 240_000;

interface Connection {
  url: string;
  user: string;
  password: string;
  database: string;
  timeoutMs: number;
  settings: ClickHouseSettings;
}

function connect(connection: Connection): ClickHouseClient {
  const { url, user, password, database, timeoutMs } = connection;
  // The password too: a client made with an old or wrong one must not answer for a new one.
  const key = JSON.stringify([url, user, password, database, timeoutMs]);
  const known = clients.get(key);
  if (known) return known;
  const client = createClient({
    url,
    username: user,
    password,
    database,
    request_timeout: timeoutMs,
    clickhouse_settings: {
      ...SESSION_SETTINGS,
      output_format_json_quote_64bit_integers: 1,
      ...connection.settings,
    },
  });
  // Tests point the same isolate at other URLs; a handful of clients is all that ever exists.
  if (clients.size >= 8) clients.clear();
  clients.set(key, client);
  return client;
}

/**
 * The Worker's ClickHouse client as the ingest and read user (`CLICKHOUSE_USER`): the consumer's
 * inserts into `events` and every API read. Locally it talks to the chDB bridge on
 * 127.0.0.1:8123, in production to ClickHouse over HTTPS on 443; only CLICKHOUSE_URL and the
 * credentials change. Reads ask for their own `requestTimeoutMs` (workers/clickhouse/read.ts): a
 * little longer than the `max_execution_time` they send, so ClickHouse reports a slow query before
 * the client stops waiting for it.
 */
export function clickhouse(
  env: Pick<Env, 'CLICKHOUSE_URL' | 'CLICKHOUSE_USER' | 'CLICKHOUSE_PASSWORD' | 'CLICKHOUSE_DATABASE'>,
  options: { requestTimeoutMs?: number } = {},
): ClickHouseClient {
  return connect({
    url: env.CLICKHOUSE_URL,
    user: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD ?? '',
    database: env.CLICKHOUSE_DATABASE,
    timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    settings: {},
  });
}

export type MaintenanceEnv = Pick<
  Env,
  'CLICKHOUSE_URL' | 'CLICKHOUSE_DATABASE' | 'CLICKHOUSE_MAINTENANCE_USER' | 'CLICKHOUSE_MAINTENANCE_PASSWORD'
>;

/**
 * The client of the jobs that write outside `events` (sealing days into `stats_*`, deleting
 * sites' rows), as the maintenance user (`CLICKHOUSE_MAINTENANCE_USER`, with its own grants:
 * docs/clickhouse.md, "Users and grants"). Without its user or password it throws, in every
 * environment: the ingest user lacks those grants in production, so falling back to it would only
 * move the failure to ClickHouse (ACCESS_DENIED on every run), where it is easier to miss.
 */
export function maintenanceClickhouse(env: MaintenanceEnv): ClickHouseClient {
  const user = env.CLICKHOUSE_MAINTENANCE_USER;
  const password = env.CLICKHOUSE_MAINTENANCE_PASSWORD;
  if (!user || !password) {
    throw new ConfigError(
      'CLICKHOUSE_MAINTENANCE_USER and CLICKHOUSE_MAINTENANCE_PASSWORD must both be set: without them no day is sealed and no deleted site is purged',
    );
  }
  return connect({
    url: env.CLICKHOUSE_URL,
    user,
    password,
    database: env.CLICKHOUSE_DATABASE,
    timeoutMs: MAINTENANCE_REQUEST_TIMEOUT_MS,
    settings: { max_execution_time: MAINTENANCE_MAX_EXECUTION_SECONDS },
  });
}

/** ClickHouse error codes that mean the data itself is bad: retrying the same rows cannot help. */
const PERMANENT_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32', // ATTEMPT_TO_READ_AFTER_EOF
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '131', // TOO_LARGE_STRING_SIZE
]);

/** True when ClickHouse refused the rows themselves, as opposed to being unreachable or busy. */
export function isPermanentInsertError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && PERMANENT_CODES.has(code);
}
