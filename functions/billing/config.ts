/**
 * Billing configuration from vars and secrets, parsed once per isolate: where the Stripe SDK
 * sends its calls, the keys, and the price id of each paid plan and interval. Price ids come from
 * vars (STRIPE_PRICE_<PLAN>_<MONTH|YEAR>) because test mode and live mode have different ones.
 */
import { ConfigError } from '../../workers/config';
import type { Env } from '../../workers/env';
import { ApiError } from '../errors';
import { PLAN_IDS, PLAN_INTERVALS, type PlanId, type PlanInterval } from './plans';

export interface StripeApiAddress {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

export interface PaidPlanChoice {
  plan: PlanId;
  interval: PlanInterval;
}

export interface PlanPrice extends PaidPlanChoice {
  /** Stripe's price id, `price_…`. */
  price: string;
  /** The one new checkouts use; the others are earlier prices still recognised on subscriptions. */
  current: boolean;
}

export interface BillingConfig {
  /** STRIPE_SECRET_KEY; null when unset (development without the local server, tests that say so). */
  secretKey: string | null;
  /** STRIPE_WEBHOOK_SECRET; null when unset. */
  webhookSecret: string | null;
  api: StripeApiAddress;
  /** The paid plans' prices whose var is set. */
  prices: readonly PlanPrice[];
}

type PriceVar = `STRIPE_PRICE_${Uppercase<PlanId>}_${Uppercase<PlanInterval>}`;

function priceVar(plan: PlanId, interval: PlanInterval): PriceVar {
  return `STRIPE_PRICE_${plan.toUpperCase()}_${interval.toUpperCase()}` as PriceVar;
}

function parseApi(env: Env): StripeApiAddress {
  const protocol = env.STRIPE_API_PROTOCOL || 'https';
  if (protocol !== 'http' && protocol !== 'https') {
    throw new ConfigError(`STRIPE_API_PROTOCOL must be "https" or "http", got "${protocol}"`);
  }
  const portText = env.STRIPE_API_PORT || '443';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ConfigError(`STRIPE_API_PORT must be a port number, got "${portText}"`);
  }
  return { host: env.STRIPE_API_HOST || 'api.stripe.com', port, protocol };
}

export function parseBillingConfig(env: Env): BillingConfig {
  const prices: PlanPrice[] = [];
  for (const plan of PLAN_IDS) {
    if (plan === 'free') continue;
    for (const interval of PLAN_INTERVALS) {
      // Price vars exist only for the paid plans; the lookup by a computed name needs the cast.
      const text = (env as unknown as Record<string, string | undefined>)[priceVar(plan, interval)] ?? '';
      // "price_new,price_old": checkout sells the first; subscriptions on any of them keep the plan.
      const ids = text
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      ids.forEach((price, index) => {
        prices.push({ plan, interval, price, current: index === 0 });
      });
    }
  }
  return {
    secretKey: env.STRIPE_SECRET_KEY || null,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET || null,
    api: parseApi(env),
    prices,
  };
}

const parsed = new WeakMap<object, BillingConfig>();

/** `parseBillingConfig`, remembered per env object (one per isolate). */
export function billingConfig(env: Env): BillingConfig {
  let config = parsed.get(env);
  if (!config) {
    config = parseBillingConfig(env);
    parsed.set(env, config);
  }
  return config;
}

/** 503 `billing_not_configured`: what a billing route answers while its secret or price is missing. */
export function notConfigured(what: string): ApiError {
  return new ApiError(503, 'billing_not_configured', `Billing is not set up on this server yet (${what}).`);
}

/** The Stripe price of a paid plan and interval; 503 while its var is unset. */
export function priceFor(config: BillingConfig, plan: PlanId, interval: PlanInterval): string {
  const found = config.prices.find(
    (entry) => entry.current && entry.plan === plan && entry.interval === interval,
  );
  if (!found) throw notConfigured(`no ${priceVar(plan, interval)}`);
  return found.price;
}

/** The plan and interval a Stripe price id stands for, or null for a price that is none of ours. */
export function choiceForPrice(config: BillingConfig, priceId: string): PaidPlanChoice | null {
  const found = config.prices.find((entry) => entry.price === priceId);
  return found ? { plan: found.plan, interval: found.interval } : null;
}
