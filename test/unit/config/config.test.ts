import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configProblems,
  DEFAULT_GROUP_COMMIT_MS,
  isDevelopment,
  missingSecrets,
  parseConfig,
} from '../../../workers/config';
import type { Env } from '../../../workers/env';

/** Vars only; parseConfig and configProblems never touch a binding. */
function env(vars: Record<string, string | undefined>): Env {
  return {
    CLICKHOUSE_URL: '',
    CLICKHOUSE_USER: 'default',
    CLICKHOUSE_DATABASE: 'edgebear',
    ...vars,
  } as unknown as Env;
}

describe('isDevelopment', () => {
  it('is true only for exactly "development" and "test"', () => {
    expect(isDevelopment({ ENVIRONMENT: 'development' })).toBe(true);
    expect(isDevelopment({ ENVIRONMENT: 'test' })).toBe(true);
    for (const name of [undefined, '', 'production', 'prod', 'staging', 'dev', 'Development', ' test']) {
      expect(isDevelopment({ ENVIRONMENT: name }), String(name)).toBe(false);
    }
  });
});

describe('parseConfig', () => {
  it('defaults every tunable in one place', () => {
    const config = parseConfig(env({ ENVIRONMENT: 'production' }));
    expect(config).toMatchObject({
      perIp: { limit: 300, periodSeconds: 60 },
      perSite: { limit: 10_000, periodSeconds: 60 },
      groupCommitMs: DEFAULT_GROUP_COMMIT_MS,
      siteCacheSeconds: 60,
      sealedCacheSeconds: 60,
      sealDaysPerRun: 3,
      clickhouseAsyncInsert: true,
      development: false,
      production: true,
      environment: 'production',
    });
    expect(DEFAULT_GROUP_COMMIT_MS).toBe(800);
  });

  it('reads each var once, typed', () => {
    const config = parseConfig(
      env({
        ENVIRONMENT: 'test',
        GROUP_COMMIT_MS: '50',
        SEAL_DAYS_PER_RUN: '0',
        CLICKHOUSE_ASYNC_INSERT: '0',
        IP_KEY_SECRET: 'k',
      }),
    );
    expect(config.groupCommitMs).toBe(50);
    expect(config.sealDaysPerRun).toBe(0);
    expect(config.clickhouseAsyncInsert).toBe(false);
    expect(config.ipKeySecret).toBe('k');
    expect(config.development).toBe(true);
  });

  it('refuses a var it cannot read instead of guessing', () => {
    expect(() => parseConfig(env({ SEAL_DAYS_PER_RUN: 'three' }))).toThrow(ConfigError);
    expect(() => parseConfig(env({ CLICKHOUSE_ASYNC_INSERT: 'yes' }))).toThrow(ConfigError);
    expect(() => parseConfig(env({ GROUP_COMMIT_MS: '-1' }))).toThrow(ConfigError);
  });

  it('has no IP key secret in production without IP_KEY_SECRET, and a stand-in in development', () => {
    expect(parseConfig(env({ ENVIRONMENT: 'production' })).ipKeySecret).toBeNull();
    expect(parseConfig(env({ ENVIRONMENT: 'prod' })).ipKeySecret).toBeNull();
    expect(parseConfig(env({ ENVIRONMENT: 'development' })).ipKeySecret).toEqual(expect.any(String));
  });

  it('calls an unset ENVIRONMENT production', () => {
    expect(parseConfig(env({})).environment).toBe('production');
    expect(parseConfig(env({})).production).toBe(true);
  });
});

describe('configProblems', () => {
  const complete = {
    ENVIRONMENT: 'production',
    CLICKHOUSE_URL: 'https://clickhouse.example.com',
    CLICKHOUSE_PASSWORD: 'p',
    CLICKHOUSE_MAINTENANCE_USER: 'edgebear_maintenance',
    CLICKHOUSE_MAINTENANCE_PASSWORD: 'mp',
    IP_KEY_SECRET: 'i',
    MAIL_API_TOKEN: 'm',
    TOTP_ENCRYPTION_KEY: 't',
    APP_URL: 'https://app.example.com',
    STRIPE_SECRET_KEY: 's',
    STRIPE_WEBHOOK_SECRET: 'w',
    MAIL_LINK_SECRET: 'l',
    STRIPE_PRICE_GROWTH_MONTH: 'price_gm',
    STRIPE_PRICE_GROWTH_YEAR: 'price_gy',
    STRIPE_PRICE_BUSINESS_MONTH: 'price_bm',
    STRIPE_PRICE_BUSINESS_YEAR: 'price_by',
  };

  it('is empty for a complete production config and in development', () => {
    expect(configProblems(env(complete))).toEqual([]);
    expect(configProblems(env({ ENVIRONMENT: 'development' }))).toEqual([]);
  });

  it('names every missing required secret, with what breaks', () => {
    const problems = configProblems(env({ ...complete, ENVIRONMENT: 'staging', IP_KEY_SECRET: '' }));
    expect(problems).toEqual([{ name: 'IP_KEY_SECRET', effect: expect.stringContaining('fail closed') }]);
    expect(missingSecrets(env({ ENVIRONMENT: 'production' })).sort()).toEqual([
      'CLICKHOUSE_MAINTENANCE_PASSWORD',
      'CLICKHOUSE_PASSWORD',
      'IP_KEY_SECRET',
      'MAIL_API_TOKEN',
      'MAIL_LINK_SECRET',
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'TOTP_ENCRYPTION_KEY',
    ]);
  });

  it('names a missing maintenance user or password: the crons never borrow the ingest user', () => {
    const problems = configProblems(
      env({ ...complete, CLICKHOUSE_MAINTENANCE_USER: '', CLICKHOUSE_MAINTENANCE_PASSWORD: '' }),
    );
    expect(problems.map((p) => p.name).sort()).toEqual([
      'CLICKHOUSE_MAINTENANCE_PASSWORD',
      'CLICKHOUSE_MAINTENANCE_USER',
    ]);
    expect(problems[0]?.effect).toMatch(/sealed|purged/);
  });

  it('refuses a plain-HTTP or missing ClickHouse URL and APP_URL in production', () => {
    for (const url of ['', 'http://127.0.0.1:8123', 'not a url']) {
      const names = configProblems(env({ ...complete, CLICKHOUSE_URL: url, APP_URL: url })).map(
        (p) => p.name,
      );
      expect(names, url).toEqual(['CLICKHOUSE_URL', 'APP_URL']);
    }
  });
});
