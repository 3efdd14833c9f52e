/** The local Stripe's known prices come from the Worker's STRIPE_PRICE_* vars. */
import { describe, expect, it } from 'vitest';
import { localPriceVars, pricesFromVars } from '../../../tools/stripe/prices';

describe('pricesFromVars', () => {
  it('names each price by plan and interval with the plan’s list price', () => {
    const prices = pricesFromVars(localPriceVars());
    expect(prices.price_local_growth_month).toEqual({
      interval: 'month',
      nickname: 'Growth (monthly)',
      unitAmount: 900,
      currency: 'usd',
      offered: true,
    });
    expect(prices.price_local_business_year?.interval).toBe('year');
  });

  it('knows earlier ids listed after the current one, without offering them', () => {
    const prices = pricesFromVars({ STRIPE_PRICE_GROWTH_MONTH: 'price_new, price_old', OTHER: 'x' });
    expect(Object.keys(prices)).toEqual(['price_new', 'price_old']);
    expect(prices.price_new?.offered).toBe(true);
    expect(prices.price_old?.offered).toBe(false);
    expect(prices.price_old?.nickname).toBe('Growth (monthly)');
  });
});
