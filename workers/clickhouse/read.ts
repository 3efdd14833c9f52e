/**
 * The one way the API reads ClickHouse (stats, batches, sealed-day lookups, performance): every
 * statement runs under the read profile (time, memory and rows limits, read-only), has its own
 * `query_id`, stops when the caller's request goes away, and fails the same way everywhere:
 *
 * - ClickHouse unreachable, timing out or overloaded: 503 `unavailable`, with `retryAfterSeconds`;
 * - the statement hit a limit of the profile: 422 `query_too_expensive` (asking again will not help;
 *   a shorter range or fewer dimensions will);
 * - a filter's regular expression that RE2 refuses: 400 `invalid_query`.
 *
 * Anything else (a bad password for ClickHouse, a missing table) is a bug or a misconfiguration
 * and is thrown as it is, so it surfaces as a 500 and in Sentry.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client-web';
import type { ReadLimits } from '../config';
import type { Env } from '../env';
import { ApiError } from '../http/api-error';
import { RetryableError } from '../http/retryable-error';
import { log } from '../observability/log';
import { clickhouse } from './client';

export type { ReadLimits };

/** Runs one parameterised SELECT and returns its rows. */
export type ReadQuery = <T = Record<string, unknown>>(
  sql: string,
  params: Record<string, unknown>,
) => Promise<T[]>;

/** What a client that cannot reach ClickHouse is told to wait before trying again. */
export const UNAVAILABLE_RETRY_SECONDS = 5;

/** The client gives up this long after ClickHouse should have stopped the statement itself. */
const CLIENT_MARGIN_SECONDS = 5;

/**
 * How long the client waits for a read: longer than the `max_execution_time` it sends, so a slow
 * statement ends as ClickHouse's TIMEOUT_EXCEEDED (422, the caller can narrow the query) rather
 * than as a client timeout (503), and ClickHouse never keeps running a statement nobody awaits.
 */
export function readRequestTimeoutMs(limits: ReadLimits): number {
  return (limits.maxExecutionSeconds + CLIENT_MARGIN_SECONDS) * 1000;
}

/**
 * The settings every read sends. `readonly = 2`, not 1: a read-only statement that also sets
 * settings (these) is refused under 1, while 2 still refuses every write and DDL.
 * `cancel_http_readonly_queries_on_client_close` lets ClickHouse stop a statement whose HTTP
 * request was closed (the client aborts it when the caller leaves, below).
 */
export function readSettings(limits: ReadLimits): ClickHouseSettings {
  return {
    readonly: '2',
    max_execution_time: limits.maxExecutionSeconds,
    max_memory_usage: String(limits.maxMemoryBytes),
    max_rows_to_read: String(limits.maxRowsToRead),
    cancel_http_readonly_queries_on_client_close: 1,
  };
}

/** ClickHouse error codes of a statement that went over a limit of the read profile. */
const LIMIT_CODES = new Set([
  '158', // TOO_MANY_ROWS (max_rows_to_read)
  '159', // TIMEOUT_EXCEEDED (max_execution_time)
  '160', // TOO_SLOW (estimated to exceed max_execution_time)
  '241', // MEMORY_LIMIT_EXCEEDED (max_memory_usage; the server's total is told apart below)
  '307', // TOO_MANY_BYTES (max_bytes_to_read)
  '396', // TOO_MANY_ROWS_OR_BYTES (result limits)
]);

/** ClickHouse error codes that say the server is busy or out of reach, not that the statement is bad. */
const BUSY_CODES = new Set([
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '279', // ALL_CONNECTION_TRIES_FAILED
  '394', // QUERY_WAS_CANCELLED (the server shutting down, or our own abort)
]);

const CANNOT_COMPILE_REGEXP = '427';

function unavailable(): RetryableError {
  return new RetryableError(
    503,
    'unavailable',
    'stats are unavailable for a moment; please retry',
    UNAVAILABLE_RETRY_SECONDS,
  );
}

/** The API's answer to a failed read, or the error itself when it is not the caller's to handle. */
export function readFailure(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  // No ClickHouse error code: the database did not answer at all (refused, timed out, aborted).
  if (typeof code !== 'string') return unavailable();
  if (BUSY_CODES.has(code)) return unavailable();
  if (LIMIT_CODES.has(code)) {
    const message = error instanceof Error ? error.message : '';
    // The server as a whole is out of memory: nothing wrong with this statement.
    if (code === '241' && message.includes('(total)')) return unavailable();
    return new ApiError(
      422,
      'query_too_expensive',
      'this query needs more time, memory or rows than a query may use; ask for a shorter date range, fewer dimensions or a smaller limit',
    );
  }
  if (code === CANNOT_COMPILE_REGEXP) {
    return new ApiError(400, 'invalid_query', 'filters: a regular expression is not valid RE2 syntax');
  }
  return error;
}

export interface ReadOptions {
  /** The read profile (`configOf(env).clickhouseRead`). */
  limits: ReadLimits;
  /** The caller's request signal: when it aborts, statements in flight are cancelled. */
  signal?: AbortSignal;
  /** Settings a planner's SQL relies on, added to the profile (which they cannot override). */
  settings?: ClickHouseSettings;
  /** The client to use; default the Worker's (`clickhouse(env)`). Tests pass one that records requests. */
  client?: Pick<ClickHouseClient, 'query'>;
}

/**
 * A `ReadQuery` for one API request. Each statement gets its own `query_id` (logged when it
 * fails, for `KILL QUERY`) and its own abort signal tied to `signal`: the ClickHouse client
 * replaces `onabort` of the signal it is given, so one signal shared by concurrent statements
 * would cancel only the last of them.
 */
export function readExecutor(
  env: Pick<Env, 'CLICKHOUSE_URL' | 'CLICKHOUSE_USER' | 'CLICKHOUSE_PASSWORD' | 'CLICKHOUSE_DATABASE'>,
  options: ReadOptions,
): ReadQuery {
  const client =
    options.client ?? clickhouse(env, { requestTimeoutMs: readRequestTimeoutMs(options.limits) });
  const settings = { ...options.settings, ...readSettings(options.limits) };
  const parent = options.signal;
  return async function read<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    if (parent?.aborted) throw unavailable();
    const controller = new AbortController();
    const cancel = () => controller.abort();
    parent?.addEventListener('abort', cancel, { once: true });
    const queryId = crypto.randomUUID();
    try {
      const result = await client.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        query_id: queryId,
        abort_signal: controller.signal,
        clickhouse_settings: settings,
      });
      return await result.json<T>();
    } catch (error) {
      const failure = readFailure(error);
      const code = (error as { code?: unknown } | null)?.code;
      log('warn', 'clickhouse read failed', {
        queryId,
        answer: failure instanceof ApiError ? failure.code : 'internal',
        // ClickHouse's own messages may quote filter values; a code is enough to act on.
        ...(typeof code === 'string'
          ? { code }
          : { error: error instanceof Error ? error.message.slice(0, 200) : String(error) }),
      });
      throw failure;
    } finally {
      parent?.removeEventListener('abort', cancel);
    }
  };
}
