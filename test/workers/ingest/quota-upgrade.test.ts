/**
 * An operator's custom limit against the customer's own purchase (issue 11): an override holds
 * until the plan changes after it; then the larger of the override and the new plan counts, so
 * an upgrade through the Billing Portal lifts a tiny override and restores ingest with the next
 * event, while an override set after the plan change wins again. Real local Stripe, real
 * webhook, real D1 and ClickHouse; the metering job is driven at chosen times.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { meterUsage } from '../../../workers/billing/metering';
import {
  billingRow,
  checkoutAndPay,
  deliverAll,
  distinctProfileIds,
  eventsOf,
  portalAction,
} from '../billing/helpers';
import { signUp, type TestAccount, uniqueIp } from '../helpers/accounts';
import { pageview, send, testEnv, waitForRows, workerFetch } from '../helpers/stack';
import { createProfileSite, DAY, insertSiteEvents } from '../metering/helpers';

beforeAll(distinctProfileIds);

interface ProfileJson {
  plan: string;
  custom_monthly_events: number | null;
  custom_limits_set_at: string | null;
  limits: { monthly_events: number; sites: number };
}

async function admin(profileId: number, body?: unknown): Promise<ProfileJson> {
  const headers: Record<string, string> = { authorization: 'Bearer test-admin-token' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await workerFetch(`/admin/api/billing-profiles/${profileId}`, {
    method: body === undefined ? 'GET' : 'PATCH',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`admin: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { billing_profile: ProfileJson }).billing_profile;
}

/** One pageview through the Worker: its x-edgebear-dropped (null when accepted). */
async function dropped(domain: string, path: string): Promise<string | null> {
  const response = await send('/api/event', pageview(domain, `https://${domain}${path}`), { ip: uniqueIp() });
  expect(response.status).toBe(202);
  return response.headers.get('x-edgebear-dropped');
}

/** Stripe's subscription.updated events about the customer, delivered to the webhook in order. */
async function deliverUpdates(customerId: string, after: number): Promise<string[]> {
  const updates = (await eventsOf(customerId)).filter(
    (event) => event.type === 'customer.subscription.updated',
  );
  return deliverAll(updates.slice(after));
}

/**
 * An owner on Growth (bought through the local Checkout), a site, and a custom limit of 50 that
 * 60 events of this period are over, metered past grace: ingest answers over_quota.
 */
async function overTinyOverride(): Promise<{
  account: TestAccount;
  customerId: string;
  subscriptionId: string;
  domain: string;
}> {
  const account = await signUp();
  const { customerId, subscriptionId, events } = await checkoutAndPay(account, 'growth', 'month');
  await deliverAll(events);
  expect((await admin(account.billingProfileId, { custom_monthly_events: 50 })).limits.monthly_events).toBe(
    50,
  );
  const site = await createProfileSite(account.billingProfileId);
  const { period_start: periodStart } = await billingRow(account.billingProfileId);
  if (periodStart === null) throw new Error('no period after checkout');
  await insertSiteEvents(site.id, periodStart, 60);
  const now = Date.now();
  await meterUsage(testEnv, now);
  await meterUsage(testEnv, now + 8 * DAY * 1000);
  expect(await dropped(site.domain, '/before')).toBe('over_quota');
  return { account, customerId, subscriptionId, domain: site.domain };
}

describe('a custom limit holds until the customer changes plan', () => {
  it('an upgrade webhook lifts a lower override: the limit is the new plan’s, the next event is stored', async () => {
    const { account, customerId, subscriptionId, domain } = await overTinyOverride();
    const profileId = account.billingProfileId;

    await portalAction(account, subscriptionId, 'switch', testEnv.STRIPE_PRICE_BUSINESS_MONTH);
    expect(await deliverUpdates(customerId, 0)).toEqual(['applied']);
    expect(await admin(profileId)).toMatchObject({
      plan: 'business',
      custom_monthly_events: 50,
      limits: { monthly_events: 1_000_000, sites: 50 },
    });
    expect(await dropped(domain, '/restored')).toBeNull();
    const site = await testEnv.DB.prepare('SELECT id FROM sites WHERE domain = ?1')
      .bind(domain)
      .first<{ id: number }>();
    const stored = await waitForRows(
      "SELECT pathname FROM events WHERE site_id = {site:UInt32} AND pathname = '/restored'",
      { site: site?.id ?? 0 },
      1,
    );
    expect(stored).toHaveLength(1);
  });

  it('an override set after the plan change wins again, and a webhook that keeps the plan changes nothing', async () => {
    const { account, customerId, subscriptionId, domain } = await overTinyOverride();
    const profileId = account.billingProfileId;
    await portalAction(account, subscriptionId, 'switch', testEnv.STRIPE_PRICE_BUSINESS_MONTH);
    expect(await deliverUpdates(customerId, 0)).toEqual(['applied']);
    expect(await dropped(domain, '/restored')).toBeNull();

    // The operator sets the override again, in the same second as the upgrade or later.
    const set = await admin(profileId, { custom_monthly_events: 50 });
    expect(set.limits.monthly_events).toBe(50);
    expect(set.custom_limits_set_at).not.toBeNull();
    const usage = (await (
      await workerFetch('/api/billing', { headers: { cookie: account.cookie } })
    ).json()) as {
      usage: { limit: number };
    };
    expect(usage.usage.limit).toBe(50);

    // Cancelling at period end is a subscription.updated on the same plan: the override stays.
    await portalAction(account, subscriptionId, 'cancel');
    expect(await deliverUpdates(customerId, 1)).toEqual(['applied']);
    expect(await admin(profileId)).toMatchObject({ plan: 'business', limits: { monthly_events: 50 } });
  });
});
