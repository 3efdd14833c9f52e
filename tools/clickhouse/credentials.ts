import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads `KEY=VALUE` lines of a dotenv-style file such as `.dev.vars` (wrangler's local secrets).
 * Blank lines and `#` comments are skipped; `export ` prefixes and matching quotes are removed.
 */
export function parseDevVars(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
    }
    vars.set(key, value);
  }
  return vars;
}

/**
 * A password of the local ClickHouse: `name` (CLICKHOUSE_PASSWORD for the ingest user,
 * CLICKHOUSE_MAINTENANCE_PASSWORD for the maintenance user) from the environment, else from
 * `.dev.vars` (so the Worker and the local server agree without extra setup), else empty.
 */
export function localClickHousePassword(
  name: 'CLICKHOUSE_PASSWORD' | 'CLICKHOUSE_MAINTENANCE_PASSWORD' = 'CLICKHOUSE_PASSWORD',
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string {
  const fromEnv = env[name];
  if (fromEnv !== undefined) return fromEnv;
  const devVarsPath = join(cwd, '.dev.vars');
  if (!existsSync(devVarsPath)) return '';
  return parseDevVars(readFileSync(devVarsPath, 'utf8')).get(name) ?? '';
}
