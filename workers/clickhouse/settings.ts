/**
 * Settings every ClickHouse client of Edgebear sends with every statement: the Worker's
 * (workers/clickhouse/client.ts) and the scripts' (seed, drills, benchmarks). One object, so a
 * client cannot forget one.
 *
 * `session_timezone = 'UTC'`: a `{from:DateTime}` parameter, `toDateTime(<number>)` and
 * `toDate(<DateTime without zone>)` are read in the session's zone, which is otherwise the server's
 * (a self-hosted server, or the local bridge on a laptop, need not run in UTC). Every day, hour and
 * range in Edgebear is a UTC one (a site's own zone is applied by the planners on top), and the
 * columns are `DateTime('UTC')`, so pinning the session makes parameters and columns agree whatever
 * zone the server runs in.
 */
import type { ClickHouseSettings } from '@clickhouse/client-web';

export const SESSION_SETTINGS = {
  session_timezone: 'UTC',
} as const satisfies ClickHouseSettings;
