import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client-web';

/**
 * Parameters of any size. By default the client puts `param_*` values in the URL, and a URL is
 * short: about 16 KB through Node's HTTP server (the local bridge answers 431 above it), 1 MiB on
 * a ClickHouse server, less through some proxies. Sealing a day of 2,000 sites is already 10 KB of
 * ids. With multipart/form-data the statement and its parameters travel in the body instead
 * (ClickHouse reads `query` and `param_*` form parts), so the size stops mattering.
 */

/** Options for `client.query` that send `query` and `param_*` in the body. */
export const PARAMS_IN_BODY = { use_multipart_params: true } as const;

/**
 * Runs a statement that returns nothing (an `INSERT … SELECT`) with its parameters in the body.
 * The client's `command()` cannot do that, so this goes through `query()`, which appends a FORMAT
 * clause: `INSERT … SELECT` and `SELECT` accept one, `ALTER` and `DELETE` do not (keep those to
 * bounded parameters, as the site-deletion job's 50 ids per run are).
 */
export async function commandWithBodyParams(
  client: Pick<ClickHouseClient, 'query'>,
  statement: {
    query: string;
    query_params: Record<string, unknown>;
    clickhouse_settings?: ClickHouseSettings;
  },
): Promise<void> {
  const result = await client.query({ ...statement, format: 'TabSeparated', ...PARAMS_IN_BODY });
  // Read the (empty) answer so the connection is released.
  await result.text();
}
