import type { Env } from '../../workers/env';
import { parseRateRule, type RateRule } from '../../workers/limits/rule';

/** Auth settings, read from vars at the edge of each request. */
export interface AuthConfig {
  /** Sensitive POSTs per user-or-IP key (`AUTH_RATE_LIMIT`, default 5 per 60 s). */
  rateRule: RateRule;
  /** `INVITE_ONLY = "true"`: signup needs an unused invite code. */
  inviteOnly: boolean;
  /** Where the dashboard lives; links in emails point here (no trailing slash). */
  appUrl: string;
  production: boolean;
}

export function authConfig(env: Env): AuthConfig {
  return {
    rateRule: parseRateRule(env.AUTH_RATE_LIMIT || '5/60'),
    inviteOnly: env.INVITE_ONLY === 'true',
    appUrl: (env.APP_URL || 'http://127.0.0.1:8787').replace(/\/+$/, ''),
    production: env.ENVIRONMENT === 'production',
  };
}
