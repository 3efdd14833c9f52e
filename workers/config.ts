import type { Env } from './env';
import { parseRateRule, type RateRule } from './limits/rule';

export type { RateRule };

/** Typed configuration, parsed from vars once per isolate. */
export interface Config {
  perIp: RateRule;
  perSite: RateRule;
  groupCommitMs: number;
  siteCacheSeconds: number;
  /** Seconds an isolate remembers a site's sealed days for the Stats API (functions/stats/seal.ts). */
  sealedCacheSeconds: number;
  development: boolean;
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

export function parseConfig(env: Env): Config {
  return {
    perIp: rule('RATE_LIMIT_PER_IP', env.RATE_LIMIT_PER_IP ?? '300/60'),
    perSite: rule('RATE_LIMIT_PER_SITE', env.RATE_LIMIT_PER_SITE ?? '10000/60'),
    groupCommitMs: integer('GROUP_COMMIT_MS', env.GROUP_COMMIT_MS, 500, 0, 5_000),
    siteCacheSeconds: integer('SITE_CACHE_SECONDS', env.SITE_CACHE_SECONDS, 60, 0, 3_600),
    sealedCacheSeconds: integer('SEALED_CACHE_SECONDS', env.SEALED_CACHE_SECONDS, 60, 0, 150),
    development: env.ENVIRONMENT === 'development' || env.ENVIRONMENT === 'test',
  };
}
