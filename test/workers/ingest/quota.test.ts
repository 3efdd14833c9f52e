/**
 * The ingest capacity check (issue 11, items 4 and 5): grace keeps every event, over answers
 * 202 over_quota and counts what it refused, all without a D1 query per event, and a plan change
 * or a new period restores ingest at once. Real D1, real ClickHouse; the metering job is driven
 * with chosen times so the period, grace and over states fall where the test needs them.
 */
import { describe, expect, it } from 'vitest';
import { planChanged } from '../../../functions/billing/plan-changed';
import { CapacityCache, invalidateCapacity } from '../../../workers/billing/capacity';
import { meterUsage } from '../../../workers/billing/metering';
import { parseConfig } from '../../../workers/config';
import { type IngestOutcome, IngestPipeline } from '../../../workers/ingest/pipeline';
import { pageview, send, testEnv, waitForRows, workerFetch } from '../helpers/stack';
import {
  createProfile,
  createProfileSite,
  DAY,
  insertSiteEvents,
  storedPeriods,
  type TestProfile,
} from '../metering/helpers';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const ACCEPTED: IngestOutcome = { status: 202, dropped: null };
const OVER: IngestOutcome = { status: 202, dropped: 'over_quota' };

let ipCounter = 0;
function freshIp(): string {
  ipCounter++;
  return `203.0.${113 + Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
}

function beacon(pipeline: IngestPipeline, body: unknown, nowMs = Date.now()): Promise<IngestOutcome> {
  return pipeline.handle({
    body: JSON.stringify(body),
    format: 'edgebear',
    ip: freshIp(),
    userAgent: CHROME,
    headers: new Headers(),
    cf: undefined,
    nowMs,
  });
}

function freshPipeline(): IngestPipeline {
  return new IngestPipeline(testEnv, parseConfig(testEnv));
}

interface Scenario {
  profile: TestProfile;
  sites: { id: number; domain: string }[];
  period: { start: number; end: number };
}

/**
 * A profile with a limit of 10 whose current period (around the real now) holds 12 metered
 * events, metered into `state`: grace (limit reached just now) or over (reached 8 days ago).
 */
async function profileIn(state: 'grace' | 'over', siteCount = 1): Promise<Scenario> {
  const now = Math.floor(Date.now() / 1000);
  const period = { start: now - 10 * DAY, end: now + 20 * DAY };
  const profile = await createProfile({ limit: 10, period });
  const sites = [];
  for (let i = 0; i < siteCount; i++) sites.push(await createProfileSite(profile.id));
  const first = sites[0];
  if (!first) throw new Error('no site');
  await insertSiteEvents(first.id, period.start + 60, 12);
  if (state === 'over') await meterUsage(testEnv, (now - 8 * DAY) * 1000);
  await meterUsage(testEnv, now * 1000);
  expect((await storedPeriods(profile.id)).find((r) => r.period_start === period.start)?.state).toBe(state);
  return { profile, sites, period };
}

describe('grace keeps ingesting everything', () => {
  it('accepts every event of a profile in grace, and they are stored', async () => {
    const { sites } = await profileIn('grace');
    const site = sites[0];
    if (!site) throw new Error('no site');
    for (let i = 0; i < 3; i++) {
      const res = await send('/api/event', pageview(site.domain, `https://${site.domain}/grace/${i}`), {
        ip: freshIp(),
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('x-edgebear-dropped')).toBeNull();
    }
    const stored = await waitForRows(
      "SELECT pathname FROM events WHERE site_id = {site:UInt32} AND pathname LIKE '/grace/%'",
      { site: site.id },
      3,
    );
    expect(stored).toHaveLength(3);
  });
});

describe('after grace: 202 over_quota, counted', () => {
  it('answers 202 with x-edgebear-dropped: over_quota, never an error', async () => {
    const { sites } = await profileIn('over');
    const site = sites[0];
    if (!site) throw new Error('no site');
    const res = await send('/api/event', pageview(site.domain), { ip: freshIp() });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-edgebear-dropped')).toBe('over_quota');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-edgebear-dropped');
  });

  it('counts refused pageviews and custom events in the isolate and writes them in one batch', async () => {
    const { profile, sites, period } = await profileIn('over');
    const site = sites[0];
    if (!site) throw new Error('no site');
    const pipeline = freshPipeline();
    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < 5; i++) outcomes.push(await beacon(pipeline, pageview(site.domain)));
    outcomes.push(await beacon(pipeline, { ...pageview(site.domain), n: 'Signup' }));
    outcomes.push(await beacon(pipeline, { ...pageview(site.domain), n: 'engagement', e: 1000 }));
    expect(outcomes.every((o) => o.status === 202 && o.dropped === 'over_quota')).toBe(true);
    // Engagement is not metered, so it is not counted as a missed event either.
    expect(pipeline.capacity.pendingRefused).toBe(6);
    const row = () =>
      storedPeriods(profile.id).then((rows) => rows.find((r) => r.period_start === period.start));
    expect((await row())?.over_events).toBe(0);

    await pipeline.capacity.flushRefused({ force: true });
    expect((await row())?.over_events).toBe(6);
    expect(pipeline.capacity.pendingRefused).toBe(0);
    // The next metering run recounts events but keeps what was refused.
    await meterUsage(testEnv, Date.now());
    expect((await row())?.over_events).toBe(6);
  });
});

describe('the capacity check costs no D1 query per event', () => {
  it('reads D1 once per billing profile, however many events and sites, even concurrently', async () => {
    const { sites } = await profileIn('grace', 2);
    const pipeline = freshPipeline();
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => beacon(pipeline, pageview(sites[i % 2]?.domain ?? ''))),
    );
    expect(outcomes.every((o) => o.status === 202 && o.dropped === null)).toBe(true);
    for (let i = 0; i < 20; i++) await beacon(pipeline, pageview(sites[i % 2]?.domain ?? ''));
    expect(pipeline.capacity.queries).toBe(1);
  });

  it('never reads D1 for a site without a billing profile', async () => {
    const capacity = new CapacityCache(testEnv.DB, { ttlSeconds: 900, graceDays: 7 });
    expect(await capacity.hasEnoughCapacity({ billingProfileId: null }, Date.now())).toBe(true);
    expect(capacity.queries).toBe(0);
  });

  it('fails open: a D1 error admits the event, and is not retried for every event', async () => {
    const broken = {
      prepare() {
        throw new Error('D1 is down');
      },
    } as unknown as D1Database;
    const capacity = new CapacityCache(broken, { ttlSeconds: 900, graceDays: 7 });
    for (let i = 0; i < 5; i++) {
      expect(await capacity.hasEnoughCapacity({ billingProfileId: 123 }, Date.now())).toBe(true);
    }
    expect(capacity.queries).toBe(1);
  });
});

describe('ingest comes back within one request of the change', () => {
  it('an upgrade restores ingest at once in the isolate that applied it', async () => {
    const { profile, sites } = await profileIn('over');
    const site = sites[0];
    if (!site) throw new Error('no site');
    const pipeline = freshPipeline();
    expect(await beacon(pipeline, pageview(site.domain))).toEqual(OVER);

    // What the Stripe webhook does after checkout: the new plan, then planChanged (recomputeState).
    await testEnv.DB.prepare(
      "UPDATE billing_profiles SET plan_code = 'growth', custom_monthly_events = NULL WHERE id = ?1",
    )
      .bind(profile.id)
      .run();
    await planChanged(testEnv, profile.id);
    expect(await beacon(pipeline, pageview(site.domain))).toEqual(ACCEPTED);
    expect(pipeline.capacity.queries).toBe(2);
  });

  it("the operator's override restores ingest with the next request to the Worker", async () => {
    const { profile, sites } = await profileIn('over');
    const site = sites[0];
    if (!site) throw new Error('no site');
    const before = await send('/api/event', pageview(site.domain), { ip: freshIp() });
    expect(before.headers.get('x-edgebear-dropped')).toBe('over_quota');
    const patched = await workerFetch(`/admin/api/billing-profiles/${profile.id}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({ custom_monthly_events: 1000 }),
    });
    expect(patched.status).toBe(200);
    const after = await send('/api/event', pageview(site.domain), { ip: freshIp() });
    expect(after.status).toBe(202);
    expect(after.headers.get('x-edgebear-dropped')).toBeNull();
  });

  it('a changed limit counts even before the state is decided again (invalidation alone)', async () => {
    const { profile, sites } = await profileIn('over');
    const site = sites[0];
    if (!site) throw new Error('no site');
    const pipeline = freshPipeline();
    expect(await beacon(pipeline, pageview(site.domain))).toEqual(OVER);
    await testEnv.DB.prepare('UPDATE billing_profiles SET custom_monthly_events = 1000 WHERE id = ?1')
      .bind(profile.id)
      .run();
    // Not yet invalidated: the cached answer stands (other isolates: up to CAPACITY_CACHE_SECONDS).
    expect(await beacon(pipeline, pageview(site.domain))).toEqual(OVER);
    invalidateCapacity(profile.id);
    expect(await beacon(pipeline, pageview(site.domain))).toEqual(ACCEPTED);
  });

  it('a new period restores ingest at once, without waiting for the cron or the cache', async () => {
    const { sites, period } = await profileIn('over');
    const site = sites[0];
    if (!site) throw new Error('no site');
    const pipeline = freshPipeline();
    expect(await beacon(pipeline, pageview(site.domain))).toEqual(OVER);
    const nextPeriod = period.end * 1000 + 1;
    expect(await beacon(pipeline, pageview(site.domain), nextPeriod)).toEqual(ACCEPTED);
    expect(pipeline.capacity.queries).toBe(1);
  });

  it('other profiles are untouched by one profile being over', async () => {
    await profileIn('over');
    const profile = await createProfile({ limit: 10 });
    const site = await createProfileSite(profile.id);
    await insertSiteEvents(site.id, Math.floor(Date.now() / 1000) - 60, 3);
    expect(await beacon(freshPipeline(), pageview(site.domain))).toEqual(ACCEPTED);
  });
});
