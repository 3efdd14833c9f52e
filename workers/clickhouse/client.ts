import { type ClickHouseClient, createClient } from '@clickhouse/client-web';
import type { Env } from '../env';
import { SESSION_SETTINGS } from './settings';

/** Clients by connection and timeout; an isolate needs two at most (reads, and everything else). */
const clients = new Map<string, ClickHouseClient>();

/** How long any other request (inserts, the cron's statements) may take before the client gives up. */
const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

/**
 * The Worker's ClickHouse client. Locally it talks to the chDB bridge on 127.0.0.1:8123, in
 * production to ClickHouse over HTTPS on 443; only CLICKHOUSE_URL and the credentials change.
 * Reads ask for their own `requestTimeoutMs` (workers/clickhouse/read.ts): a little longer
 * than the `max_execution_time` they send, so ClickHouse reports a slow query before the client
 * stops waiting for it.
 */
export function clickhouse(
  env: Pick<Env, 'CLICKHOUSE_URL' | 'CLICKHOUSE_USER' | 'CLICKHOUSE_PASSWORD' | 'CLICKHOUSE_DATABASE'>,
  options: { requestTimeoutMs?: number } = {},
): ClickHouseClient {
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const key = `${env.CLICKHOUSE_URL}|${env.CLICKHOUSE_USER}|${env.CLICKHOUSE_DATABASE}|${timeout}`;
  const known = clients.get(key);
  if (known) return known;
  const client = createClient({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD ?? '',
    database: env.CLICKHOUSE_DATABASE,
    request_timeout: timeout,
    clickhouse_settings: { ...SESSION_SETTINGS, output_format_json_quote_64bit_integers: 1 },
  });
  // Tests point the same isolate at other URLs; a handful of clients is all that ever exists.
  if (clients.size >= 8) clients.clear();
  clients.set(key, client);
  return client;
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
