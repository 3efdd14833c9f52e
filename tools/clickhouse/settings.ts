/**
 * Which request settings the engine applies and which the bridge must act on itself.
 *
 * chDB runs the engine without ClickHouse's HTTP handler and its async-insert queue, and it accepts
 * the settings that drive those (`async_insert`, `send_progress_in_http_headers`, …) without doing
 * anything: handed to the engine with `SET`, they would be ignored in silence and the local stack
 * would say "works" where production behaves differently. So every setting of those families is
 * either implemented here (listed below) or refused with NOT_IMPLEMENTED, like `compress=1`.
 * Everything else is an engine setting (`max_execution_time`, `session_timezone`, `readonly`, …)
 * that the engine itself honours.
 */
import { notImplemented } from './http-error';

/** Prefixes of settings that only a server's HTTP layer or insert queue acts on. */
const SERVER_LAYER_PREFIXES = [
  'async_insert',
  'wait_for_async_insert',
  'http_',
  'send_progress',
  'cancel_http',
  'add_http',
];

/** The server-layer settings the bridge implements (see server.ts and async-inserts.ts). */
const IMPLEMENTED = new Set([
  'async_insert',
  'wait_for_async_insert',
  'wait_for_async_insert_timeout',
  'async_insert_busy_timeout_ms',
  'async_insert_busy_timeout_max_ms',
  'async_insert_deduplicate',
  'cancel_http_readonly_queries_on_client_close',
  // Results are always buffered whole before the answer, which is what these ask for.
  'http_wait_end_of_query',
  'http_response_buffer_size',
  // One progress header with the final figures; the bridge sends nothing before the result.
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_zlib_compression_level',
]);

export interface SplitSettings {
  /** Settings for the engine, applied with `SET` in the request's session. */
  engine: [string, string][];
  /** Server-layer settings the bridge acts on, by name. */
  bridge: Map<string, string>;
}

/** Splits a request's settings; throws NOT_IMPLEMENTED for a server-layer setting the bridge lacks. */
export function splitSettings(settings: readonly [string, string][]): SplitSettings {
  const engine: [string, string][] = [];
  const bridge = new Map<string, string>();
  for (const [name, value] of settings) {
    if (IMPLEMENTED.has(name)) {
      bridge.set(name, value);
    } else if (SERVER_LAYER_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      throw notImplemented(
        `Setting ${name} is handled by a ClickHouse server's HTTP layer, which the local bridge does not implement`,
      );
    } else {
      engine.push([name, value]);
    }
  }
  return { engine, bridge };
}

/** A boolean setting's value the way ClickHouse reads it (`1`, `true`; anything else is off). */
export function settingIsOn(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true'].includes(value.toLowerCase());
}

/** A non-negative integer setting, or `fallback` when absent; malformed values are refused. */
export function numericSetting(bridge: Map<string, string>, name: string, fallback: number): number {
  const value = bridge.get(name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw notImplemented(`Setting ${name} must be a non-negative number, got ${JSON.stringify(value)}`);
  }
  return parsed;
}
