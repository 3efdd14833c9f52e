import { DEFAULT_GRACE_DAYS } from './billing/state';
import type { Env } from './env';
import { parseRateRule, type RateRule } from './limits/rule';

export type { RateRule };

/**
 * The only ENVIRONMENT values that are not production. Anything else (unset, "", "prod",
 * "staging", a typo) is production: a deploy that forgot the var gets the safe behaviour.
 */
const DEVELOPMENT_ENVIRONMENTS: ReadonlySet<string> = new Set(['development', 'test']);

/**
 * Whether this Worker runs in local development or tests. The one place that reads
 * `ENVIRONMENT`; every guard (development routes, outbox mail, the development TOTP key)
 * asks this.
 */
export function isDevelopment(env: { ENVIRONMENT?: string }): boolean {
  return env.ENVIRONMENT !== undefined && DEVELOPMENT_ENVIRONMENTS.has(env.ENVIRONMENT);
}

/** The ENVIRONMENT name for logs and error reports: "production" when unset or empty. */
export function environmentName(env: { ENVIRONMENT?: string }): string {
  return env.ENVIRONMENT || 'production';
}

/**
 * Stands in for IP_KEY_SECRET in development and tests only, so local limits behave like
 * production's. Not a secret; production has no fallback (see `Config.ipKeySecret`).
 */
const DEVELOPMENT_IP_KEY_SECRET = 'edgebear development ip key (not secret)';

/** Stands in for MAIL_LINK_SECRET in development and tests only (functions/mail/signed-link.ts). */
const DEVELOPMENT_MAIL_LINK_SECRET = 'edgebear development mail link key (not secret)';

/** Milliseconds the ingest group commit waits to fill a queue message (wrangler.toml does not repeat it). */
export const DEFAULT_GROUP_COMMIT_MS = 800;

/** Typed configuration, parsed from vars once per isolate. */
export interface Config {
  perIp: RateRule;
  perSite: RateRule;
  groupCommitMs: number;
  siteCacheSeconds: number;
  /** Seconds an isolate remembers a site's sealed days for the Stats API (functions/stats/seal.ts). */
  sealedCacheSeconds: number;
  /** ENVIRONMENT is exactly "development" or "test" (`isDevelopment`). */
  development: boolean;
  /** Everything that is not development: the safe default. Always `!development`. */
  production: boolean;
  /** The ENVIRONMENT name as given ("production" when unset), for logs and error reports. */
  environment: string;
  /**
   * Keys per-IP limiter names (workers/limits/ip-key.ts). A development constant outside
   * production; null only in production without the secret, where limits keyed by IP must
   * fail closed rather than name Durable Objects by a reversible hash.
   */
  ipKeySecret: string | null;
  /**
   * Signs links in mail that work without signing in (unsubscribe). A development constant
   * outside production; null in production without the secret, where such links are refused.
   */
  mailLinkSecret: string | null;
  /** Where the operator's mail goes (job alerts, the daily email); null: nowhere. */
  staffEmail: string | null;
  /** Ended days the 15-minute cron seals per run; 0 turns sealing off. */
  sealDaysPerRun: number;
  /** Async inserts with wait (ClickHouse >= 26.1); false for synchronous inserts. */
  clickhouseAsyncInsert: boolean;
  /** Stats and Performance API queries per API key (a batch counts each query). */
  statsRateLimit: RateRule;
  /** The same per dashboard reader: session, shared link, or anonymous IP of a public dashboard. */
  statsDashboardRateLimit: RateRule;
  /** Shared-link password checks per client IP (workers/limits/failures.ts, functions/stats/shared-link.ts). */
  sharedLinkRateLimitPerIp: RateRule;
  /** Wrong passwords per shared link. */
  sharedLinkRateLimitPerLink: RateRule;
  /** The settings profile of every API read (workers/clickhouse/read.ts). */
  clickhouseRead: ReadLimits;
  /** Days a billing profile keeps ingesting after reaching its monthly limit (workers/billing/state.ts). */
  quotaGraceDays: number;
  /** Seconds an isolate caches a billing profile's capacity for ingest (workers/billing/capacity.ts). */
  capacityCacheSeconds: number;
  /** "Send me a test report" mails per user (functions/reports/routes.ts). */
  reportTestRateLimit: RateRule;
  /**
   * VisitTracker objects per site (workers/visits/assign.ts): a visitor's visits live in shard
   * `visitor mod visitShards`. Changing it moves visitors to other shards, which splits the visits
   * running at that moment once (docs/visits.md).
   */
  visitShards: number;
}

/** Limits of one ClickHouse read (stats, performance); over one, the query answers 422. */
export interface ReadLimits {
  /** `max_execution_time`, seconds. */
  maxExecutionSeconds: number;
  /** `max_memory_usage`, bytes. */
  maxMemoryBytes: number;
  /** `max_rows_to_read`. */
  maxRowsToRead: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function rule(name: string, text: string): RateRule {
  try {
    return parseRateRule(text);
  } catch (error) {
    throw new ConfigError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got "${text}"`);
  }
  return value;
}

function flag(name: string, text: string | undefined, fallback: boolean): boolean {
  if (text === undefined || text === '') return fallback;
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  throw new ConfigError(`${name} must be "1" or "0", got "${text}"`);
}

export function parseConfig(env: Env): Config {
  const development = isDevelopment(env);
  return {
    perIp: rule('RATE_LIMIT_PER_IP', env.RATE_LIMIT_PER_IP || '300/60'),
    perSite: rule('RATE_LIMIT_PER_SITE', env.RATE_LIMIT_PER_SITE || '10000/60'),
    groupCommitMs: integer('GROUP_COMMIT_MS', env.GROUP_COMMIT_MS, DEFAULT_GROUP_COMMIT_MS, 0, 5_000),
    siteCacheSeconds: integer('SITE_CACHE_SECONDS', env.SITE_CACHE_SECONDS, 60, 0, 3_600),
    sealedCacheSeconds: integer('SEALED_CACHE_SECONDS', env.SEALED_CACHE_SECONDS, 60, 0, 150),
    development,
    production: !development,
    environment: environmentName(env),
    ipKeySecret: env.IP_KEY_SECRET || (development ? DEVELOPMENT_IP_KEY_SECRET : null),
    mailLinkSecret: env.MAIL_LINK_SECRET || (development ? DEVELOPMENT_MAIL_LINK_SECRET : null),
    staffEmail: env.STAFF_EMAIL?.trim() || null,
    sealDaysPerRun: integer('SEAL_DAYS_PER_RUN', env.SEAL_DAYS_PER_RUN, 3, 0, 31),
    clickhouseAsyncInsert: flag('CLICKHOUSE_ASYNC_INSERT', env.CLICKHOUSE_ASYNC_INSERT, true),
    statsRateLimit: rule('STATS_RATE_LIMIT', env.STATS_RATE_LIMIT || '60/60'),
    statsDashboardRateLimit: rule('STATS_DASHBOARD_RATE_LIMIT', env.STATS_DASHBOARD_RATE_LIMIT || '600/60'),
    sharedLinkRateLimitPerIp: rule(
      'SHARED_LINK_RATE_LIMIT_PER_IP',
      env.SHARED_LINK_RATE_LIMIT_PER_IP || '10/60',
    ),
    sharedLinkRateLimitPerLink: rule(
      'SHARED_LINK_RATE_LIMIT_PER_LINK',
      env.SHARED_LINK_RATE_LIMIT_PER_LINK || '20/60',
    ),
    clickhouseRead: {
      maxExecutionSeconds: integer(
        'CLICKHOUSE_MAX_EXECUTION_TIME',
        env.CLICKHOUSE_MAX_EXECUTION_TIME,
        10,
        1,
        600,
      ),
      maxMemoryBytes: integer(
        'CLICKHOUSE_MAX_MEMORY_USAGE',
        env.CLICKHOUSE_MAX_MEMORY_USAGE,
        1e9,
        1e6,
        2 ** 50,
      ),
      maxRowsToRead: integer('CLICKHOUSE_MAX_ROWS_TO_READ', env.CLICKHOUSE_MAX_ROWS_TO_READ, 5e8, 1, 2 ** 50),
    },
    quotaGraceDays: integer('QUOTA_GRACE_DAYS', env.QUOTA_GRACE_DAYS, DEFAULT_GRACE_DAYS, 0, 90),
    capacityCacheSeconds: integer('CAPACITY_CACHE_SECONDS', env.CAPACITY_CACHE_SECONDS, 900, 0, 900),
    reportTestRateLimit: rule('REPORT_TEST_RATE_LIMIT', env.REPORT_TEST_RATE_LIMIT || '5/3600'),
    visitShards: integer('VISIT_SHARDS', env.VISIT_SHARDS, 1, 1, 256),
  };
}

const parsed = new WeakMap<object, Config>();

/**
 * `parseConfig`, remembered per env object: the runtime hands an isolate the same env on every
 * request, so vars are parsed once per isolate. A bad var throws here, at the first request.
 */
export function configOf(env: Env): Config {
  let config = parsed.get(env);
  if (!config) {
    config = parseConfig(env);
    parsed.set(env, config);
  }
  return config;
}

/** Secrets production cannot do without; each names what breaks without it (docs/deploy.md). */
const REQUIRED_SECRETS = {
  CLICKHOUSE_PASSWORD: 'ClickHouse rejects the Worker: no events are stored, no stats are read',
  CLICKHOUSE_MAINTENANCE_PASSWORD:
    'the crons cannot sign in to ClickHouse: no day is sealed (dashboards slow down), deleted sites are never purged',
  IP_KEY_SECRET: 'limits keyed by IP fail closed',
  MAIL_API_TOKEN: 'no account mail (verification, password reset) is sent',
  TOTP_ENCRYPTION_KEY: 'two-factor authentication cannot be set up or used',
  STRIPE_SECRET_KEY: 'nobody can upgrade or manage billing (503 billing_not_configured)',
  STRIPE_WEBHOOK_SECRET: 'Stripe webhooks are refused: payments do not change plans',
  MAIL_LINK_SECRET: 'unsubscribe links in reports and alerts do not work',
} as const satisfies Partial<Record<keyof Env, string>>;

export type RequiredSecret = keyof typeof REQUIRED_SECRETS;

/** Stripe price ids of the paid plans, one var per plan and interval (functions/billing/prices.ts). */
export const STRIPE_PRICE_VARS = [
  'STRIPE_PRICE_GROWTH_MONTH',
  'STRIPE_PRICE_GROWTH_YEAR',
  'STRIPE_PRICE_BUSINESS_MONTH',
  'STRIPE_PRICE_BUSINESS_YEAR',
] as const satisfies readonly (keyof Env)[];

export interface ConfigProblem {
  /** The missing secret or the var at fault. */
  name: string;
  /** What an operator sees go wrong because of it. */
  effect: string;
}

function isHttpsUrl(text: string | undefined): boolean {
  try {
    return text !== undefined && new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * What keeps this deployment from running as production should: required secrets that are
 * missing and vars that cannot be right. Empty in development and tests, where local
 * stand-ins exist. Names only, never values.
 */
export function configProblems(env: Env): ConfigProblem[] {
  if (isDevelopment(env)) return [];
  const problems: ConfigProblem[] = missingSecrets(env).map((name) => ({
    name,
    effect: REQUIRED_SECRETS[name],
  }));
  // The ClickHouse password travels with every request: never over plain HTTP in production.
  if (!isHttpsUrl(env.CLICKHOUSE_URL)) {
    problems.push({
      name: 'CLICKHOUSE_URL',
      effect: 'not an https:// URL: no events are stored, no stats are read',
    });
  }
  // The maintenance user's grants are not the ingest user's (docs/clickhouse.md, "Users and grants").
  if (!env.CLICKHOUSE_MAINTENANCE_USER) {
    problems.push({
      name: 'CLICKHOUSE_MAINTENANCE_USER',
      effect: 'not set: no day is sealed (dashboards slow down), deleted sites are never purged',
    });
  }
  if (!isHttpsUrl(env.APP_URL)) {
    problems.push({ name: 'APP_URL', effect: 'not an https:// URL: links in account mail do not work' });
  }
  // The Stripe secret key travels with every API call (functions/billing/stripe.ts).
  if (env.STRIPE_API_PROTOCOL && env.STRIPE_API_PROTOCOL !== 'https') {
    problems.push({ name: 'STRIPE_API_PROTOCOL', effect: 'not https: the Stripe key would travel in clear' });
  }
  for (const name of STRIPE_PRICE_VARS) {
    if (!env[name]) problems.push({ name, effect: 'that plan cannot be bought (checkout answers 503)' });
  }
  return problems;
}

/** The required secrets this deployment lacks (empty outside production). */
export function missingSecrets(env: Env): RequiredSecret[] {
  if (isDevelopment(env)) return [];
  return (Object.keys(REQUIRED_SECRETS) as RequiredSecret[]).filter((name) => !env[name]);
}
