import { spawnSync } from 'node:child_process';

function wrangler(args: string[]): string {
  const result = spawnSync('npx', ['wrangler', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
  });
  if (result.status !== 0)
    throw new Error(`wrangler ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Applies schema/d1 migrations to the local D1 that wrangler dev uses (.wrangler/state). */
export function applyLocalD1(persistTo?: string): void {
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local', ...(persistTo ? ['--persist-to', persistTo] : [])]);
}

/** Runs one statement against the local D1 (built by our own scripts from checked values). */
function executeLocal(sql: string, persistTo?: string): void {
  wrangler([
    'd1',
    'execute',
    'DB',
    '--local',
    '--command',
    sql,
    ...(persistTo ? ['--persist-to', persistTo] : []),
  ]);
}

/** Adds a site (if missing) to the local D1. Values are fixed by our own scripts, not user input. */
export function seedSite(domain: string, allowedHostnames: readonly string[], persistTo?: string): void {
  if (!/^[a-z0-9.-]+$/.test(domain)) throw new Error(`not a domain: ${domain}`);
  const allowed = JSON.stringify(allowedHostnames).replaceAll("'", "''");
  const key = `${domain.replaceAll('.', '-')}-site-key`;
  const sql = `INSERT OR IGNORE INTO sites (domain, public_key, timezone, allowed_hostnames)
    VALUES ('${domain}', '${key}', 'UTC', '${allowed}')`;
  executeLocal(sql, persistTo);
}

/** The demo site: accepts events from the demo page on localhost and 127.0.0.1. */
export function seedDemoSite(persistTo?: string): void {
  seedSite('demo.test', ['localhost', '127.0.0.1'], persistTo);
}

/**
 * Marks the email of the user `email` verified (the dev demo account, whose address receives no
 * mail), so it can add sites and create API keys at once.
 */
export function markEmailVerified(email: string, persistTo?: string): void {
  if (!/^[a-z0-9.@+-]+$/.test(email)) throw new Error('unexpected demo values');
  const sql = `UPDATE users SET email_verified_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE email = '${email}' AND email_verified_at IS NULL`;
  executeLocal(sql, persistTo);
}

/** Gives an unowned site to the billing profile of the user with `email` (the dev demo account). */
export function assignSiteOwner(domain: string, email: string, persistTo?: string): void {
  if (!/^[a-z0-9.-]+$/.test(domain) || !/^[a-z0-9.@+-]+$/.test(email))
    throw new Error('unexpected demo values');
  const sql = `UPDATE sites SET billing_profile_id = (
      SELECT b.id FROM billing_profiles b JOIN users u ON u.id = b.owner_user_id WHERE u.email = '${email}')
    WHERE domain = '${domain}' AND billing_profile_id IS NULL`;
  executeLocal(sql, persistTo);
}
