import { describe, expect, it } from 'vitest';
import { choiceForPrice, parseBillingConfig, priceFor } from '../../../functions/billing/config';
import type { Env } from '../../../workers/env';

const env = (vars: Partial<Env>) => vars as Env;

describe('billing config', () => {
  it('talks to api.stripe.com over https on 443 unless told otherwise', () => {
    expect(parseBillingConfig(env({})).api).toEqual({ host: 'api.stripe.com', port: 443, protocol: 'https' });
    expect(
      parseBillingConfig(
        env({ STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: '12111', STRIPE_API_PROTOCOL: 'http' }),
      ).api,
    ).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
  });

  it('refuses a bad port or protocol at once', () => {
    expect(() => parseBillingConfig(env({ STRIPE_API_PORT: '70000' }))).toThrow(/STRIPE_API_PORT/);
    expect(() => parseBillingConfig(env({ STRIPE_API_PROTOCOL: 'ftp' }))).toThrow(/STRIPE_API_PROTOCOL/);
  });

  it('maps prices to plans both ways; a list sells its first and recognises all', () => {
    const config = parseBillingConfig(
      env({ STRIPE_PRICE_GROWTH_MONTH: 'price_new, price_old', STRIPE_PRICE_BUSINESS_YEAR: 'price_by' }),
    );
    expect(priceFor(config, 'growth', 'month')).toBe('price_new');
    expect(choiceForPrice(config, 'price_old')).toEqual({ plan: 'growth', interval: 'month' });
    expect(choiceForPrice(config, 'price_by')).toEqual({ plan: 'business', interval: 'year' });
    expect(choiceForPrice(config, 'price_someone_elses')).toBeNull();
    expect(() => priceFor(config, 'growth', 'year')).toThrow(/STRIPE_PRICE_GROWTH_YEAR/);
  });

  it('has no keys when the secrets are unset or empty', () => {
    expect(
      parseBillingConfig(env({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: undefined })),
    ).toMatchObject({
      secretKey: null,
      webhookSecret: null,
    });
  });
});
