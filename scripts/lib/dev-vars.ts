import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { localPriceVars } from '../../tools/stripe/prices';

const DEV_VARS = '.dev.vars';

/** Reads KEY=VALUE lines of .dev.vars (git-ignored; wrangler dev reads it for secrets). */
export function readDevVars(path = DEV_VARS): Record<string, string> {
  if (!existsSync(path)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (match?.[1]) vars[match[1]] = match[2] ?? '';
  }
  return vars;
}

/** The ClickHouse `npm run dev` starts (or finds) on this machine. */
export const LOCAL_CLICKHOUSE_URL = 'http://127.0.0.1:8123';

/** The local Stripe `npm run dev` starts (or finds) on this machine (tools/stripe). */
export const LOCAL_STRIPE_PORT = 12111;

/**
 * Local settings that are not secrets but must not sit in wrangler.toml's top level, which is
 * what a bare `wrangler deploy` ships: there ENVIRONMENT is production and no ClickHouse is named.
 * An existing value is kept, so a developer may point at another ClickHouse.
 */
const LOCAL_VARS: Readonly<Record<string, string>> = {
  ENVIRONMENT: 'development',
  CLICKHOUSE_URL: LOCAL_CLICKHOUSE_URL,
  // The Stripe SDK talks to the local Stripe; production's defaults point at api.stripe.com.
  STRIPE_API_HOST: '127.0.0.1',
  STRIPE_API_PORT: String(LOCAL_STRIPE_PORT),
  STRIPE_API_PROTOCOL: 'http',
  // Job alerts and the operator's daily email land in the development mailbox (/dev/mail).
  STAFF_EMAIL: 'operator@edgebear.localhost',
  ...localPriceVars(),
};

/** Local secrets, with the prefix Stripe's keys carry (the local Stripe accepts test keys only). */
const LOCAL_SECRETS: Readonly<Record<string, string>> = {
  CLICKHOUSE_PASSWORD: '',
  // The local ClickHouse's `maintenance` user (crons, migrations): tools/clickhouse/users.ts.
  CLICKHOUSE_MAINTENANCE_PASSWORD: '',
  METRICS_TOKEN: '',
  ADMIN_TOKEN: '',
  IP_KEY_SECRET: '',
  DEMO_PASSWORD: '',
  STRIPE_SECRET_KEY: 'sk_test_',
  STRIPE_WEBHOOK_SECRET: 'whsec_',
};

/**
 * Creates .dev.vars with the local settings and fresh random local secrets when it is missing,
 * and adds any setting or secret a newer version of the project needs. Secrets never live in git.
 */
export function ensureDevVars(path = DEV_VARS): Record<string, string> {
  const vars = readDevVars(path);
  let changed = false;
  for (const [key, value] of Object.entries(LOCAL_VARS)) {
    if (vars[key] === undefined) {
      vars[key] = value;
      changed = true;
    }
  }
  for (const [key, prefix] of Object.entries(LOCAL_SECRETS)) {
    if (!vars[key]) {
      vars[key] = `${prefix}${randomBytes(18).toString('base64url')}`;
      changed = true;
    }
  }
  if (changed) {
    const body = Object.entries(vars)
      .map(([k, v]) => `${k}="${v}"`)
      .join('\n');
    writeFileSync(
      path,
      `# Local settings and secrets for wrangler dev, the local ClickHouse and the local Stripe. Not in git.\n${body}\n`,
    );
  }
  return vars;
}
