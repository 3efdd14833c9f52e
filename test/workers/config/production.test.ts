import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { mailerFor } from '../../../functions/mail';
import { app, appFor } from '../../../workers/app';
import type { Env } from '../../../workers/env';
import { signUp, uniqueIp } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

/** The test env as a deployment with this ENVIRONMENT (undefined: the var is not set at all). */
function deployedAs(environment: string | undefined, extra: Partial<Env> = {}): Env {
  const env: Env = { ...testEnv, ...extra };
  if (environment === undefined) delete (env as Partial<Env>).ENVIRONMENT;
  else env.ENVIRONMENT = environment;
  return env;
}

async function call(env: Env, method: string, path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`http://edgebear.test${path}`, { method }), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const DEVELOPMENT_PATHS = [
  '/dev/mail',
  '/dev/mail/1',
  '/dev/mail/anything',
  '/dev/mail/1/x',
  '/api/_bench/bare',
];
// Everything that is not exactly "development" or "test" is production.
const PRODUCTION_NAMES = [
  'production',
  undefined,
  '',
  'prod',
  'staging',
  'Development',
  'TEST',
  ' development',
];

describe('production unless told otherwise', () => {
  for (const name of PRODUCTION_NAMES) {
    it(`ENVIRONMENT=${JSON.stringify(name)}: development routes answer 404 to GET and POST`, async () => {
      const env = deployedAs(name);
      for (const path of DEVELOPMENT_PATHS) {
        for (const method of ['GET', 'POST']) {
          const response = await call(env, method, path);
          expect(response.status, `${method} ${path}`).toBe(404);
          expect(await response.text()).not.toContain('Outbox');
        }
      }
    });
  }

  it('the production app has no development route at all', () => {
    for (const name of PRODUCTION_NAMES) {
      const paths = appFor(deployedAs(name)).routes.map((route) => route.path);
      expect(paths.filter((path) => path.startsWith('/dev') || path.includes('_bench'))).toEqual([]);
    }
  });

  it('development and tests mount the outbox and the benchmark baseline', async () => {
    const paths = appFor(deployedAs('development')).routes.map((route) => route.path);
    expect(paths).toEqual(expect.arrayContaining(['/dev/mail', '/dev/mail/:id', '/api/_bench/bare']));
    expect((await call(deployedAs('test'), 'POST', '/api/_bench/bare')).status).toBe(202);
    expect((await call(deployedAs('development'), 'GET', '/dev/mail')).status).toBe(200);
  });

  it('mail without a provider token is refused outside development, whatever the name', () => {
    for (const name of PRODUCTION_NAMES) {
      expect(() => mailerFor(deployedAs(name, { MAIL_API_TOKEN: undefined }))).toThrow(/MAIL_API_TOKEN/);
    }
    expect(() => mailerFor(deployedAs('development', { MAIL_API_TOKEN: undefined }))).not.toThrow();
  });
});

describe('two-factor setup without TOTP_ENCRYPTION_KEY', () => {
  it('is refused with a clear error outside development, whatever the name', async () => {
    const account = await signUp();
    for (const name of ['production', 'prod', undefined]) {
      const ctx = createExecutionContext();
      const response = await app.fetch(
        new Request('http://edgebear.test/api/auth/2fa/setup', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            cookie: account.cookie,
            'x-csrf-token': account.csrf,
            'cf-connecting-ip': uniqueIp(),
          },
          body: '{}',
        }),
        deployedAs(name, { TOTP_ENCRYPTION_KEY: undefined, MAIL_API_TOKEN: 'm' }),
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(response.status, String(name)).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_configured');
    }
  });
});

describe('GET /api/health', () => {
  const complete: Partial<Env> = {
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
    // The test env points the SDK at the local Stripe server over plain HTTP.
    STRIPE_API_PROTOCOL: 'https',
  };

  it('answers ok in development', async () => {
    const response = await call(deployedAs('test'), 'GET', '/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('answers 503 naming each missing production secret and unsafe var, never a value', async () => {
    const env = deployedAs('prod', {
      ...complete,
      IP_KEY_SECRET: undefined,
      TOTP_ENCRYPTION_KEY: undefined,
      CLICKHOUSE_URL: 'http://127.0.0.1:8123',
    });
    const response = await call(env, 'GET', '/api/health');
    expect(response.status).toBe(503);
    const body = (await response.json()) as { ok: boolean; problems: string[] };
    expect(body.ok).toBe(false);
    expect(body.problems.sort()).toEqual(['CLICKHOUSE_URL', 'IP_KEY_SECRET', 'TOTP_ENCRYPTION_KEY']);
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|"p"|"m"/);
  });

  it('answers ok in production once every secret and var is there', async () => {
    const response = await call(deployedAs('production', complete), 'GET', '/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
