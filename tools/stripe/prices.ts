/**
 * Prices of the local Stripe. Any price id is accepted, but the ones named by the Worker's
 * `STRIPE_PRICE_<PLAN>_<MONTH|YEAR>` vars are known by plan: the checkout page shows the plan's
 * name and list price, and the portal offers them as "Switch to …". Locally those vars hold the
 * ids below (generated into .dev.vars and passed to test stacks); live, real Stripe price ids.
 */
import { PLAN_IDS, PLAN_INTERVALS, planById } from '../../functions/billing/plans';
import type { Interval, PriceInfo } from './objects';

const PRICE_VAR = /^STRIPE_PRICE_([A-Z0-9]+)_(MONTH|YEAR)$/;

/** `STRIPE_PRICE_GROWTH_MONTH` → `price_local_growth_month`, for every paid plan and interval. */
export function localPriceVars(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const plan of PLAN_IDS) {
    if (!planById(plan).paid) continue;
    for (const interval of PLAN_INTERVALS) {
      vars[`STRIPE_PRICE_${plan.toUpperCase()}_${interval.toUpperCase()}`] =
        `price_local_${plan}_${interval}`;
    }
  }
  return vars;
}

/** The prices named by STRIPE_PRICE_* vars, with the plan's name and list price. */
export function pricesFromVars(
  vars: Readonly<Record<string, string | undefined>>,
): Record<string, PriceInfo> {
  const prices: Record<string, PriceInfo> = {};
  for (const [name, text] of Object.entries(vars)) {
    const match = PRICE_VAR.exec(name);
    if (!match || !text) continue;
    const plan = planById((match[1] ?? '').toLowerCase());
    const interval: Interval = match[2] === 'YEAR' ? 'year' : 'month';
    // "price_new,price_old" as functions/billing/config.ts reads it: the first is sold, the
    // earlier ones are still named on the pages but not offered.
    const ids = text
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    ids.forEach((id, index) => {
      prices[id] = {
        interval,
        nickname: `${plan.paid ? plan.name : (match[1] ?? '')} (${interval === 'year' ? 'yearly' : 'monthly'})`,
        unitAmount: plan.paid ? plan.priceCents[interval] : undefined,
        currency: 'usd',
        offered: index === 0,
      };
    });
  }
  return prices;
}
