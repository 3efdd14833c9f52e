import { isDevelopment } from '../../workers/config';
import type { Env } from '../../workers/env';
import { parseRateRule, type RateRule } from '../../workers/limits/rule';

/** Auth settings, read from vars at the edge of each request. */
export interface AuthConfig {
  /** Sensitive POSTs per user-or-IP key (`AUTH_RATE_LIMIT`, default 5 per 60 s). */
  rateRule: RateRule;
  /** Failed sign-ins per client IP (/64 for IPv6) before it is refused (`LOGIN_FAILURES_PER_IP`, default 10 per 900 s). */
  loginFailuresPerIp: RateRule;
  /** Failed sign-ins per account before sign-in needs the emailed link (`LOGIN_FAILURES_PER_ACCOUNT`, default 5 per 900 s). */
  loginFailuresPerAccount: RateRule;
  /** `INVITE_ONLY = "true"`: signup needs an unused invite code. */
  inviteOnly: boolean;
  /** Where the dashboard lives; links in emails point here (no trailing slash). */
  appUrl: string;
  /** Anything but development (`isDevelopment`). */
  production: boolean;
}

export function authConfig(env: Env): AuthConfig {
  return {
    rateRule: parseRateRule(env.AUTH_RATE_LIMIT || '5/60'),
    loginFailuresPerIp: parseRateRule(env.LOGIN_FAILURES_PER_IP || '10/900'),
    loginFailuresPerAccount: parseRateRule(env.LOGIN_FAILURES_PER_ACCOUNT || '5/900'),
    inviteOnly: env.INVITE_ONLY === 'true',
    appUrl: (env.APP_URL || 'http://127.0.0.1:8787').replace(/\/+$/, ''),
    production: !isDevelopment(env),
  };
}
