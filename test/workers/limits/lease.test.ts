import { describe, expect, it } from 'vitest';
import {
  defaultLocalAllowance,
  LeasedLimiter,
  type LeasedLimiterOptions,
  maxLeaseSize,
} from '../../../workers/limits/lease';
import type { RateRule } from '../../../workers/limits/rule';
import { faultyNamespace, testEnv, uniquePrefix } from './env';

function limiter(rule: RateRule, opts: Partial<LeasedLimiterOptions> & { prefix: string }): LeasedLimiter {
  return new LeasedLimiter(testEnv.RATE_LIMITER, rule, { failOpen: true, ...opts });
}

/** Fires `events` concurrent checks of one key, spread round-robin over the isolates. */
async function burst(isolates: LeasedLimiter[], key: string, events: number) {
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: events }, (_, i) => isolates[i % isolates.length]?.check(key)),
  );
  return {
    admitted: results.filter((result) => result?.allowed).length,
    elapsedMs: Date.now() - started,
  };
}

/**
 * The documented bound for a window of `elapsedMs` that starts with a fresh Durable Object
 * (so no lease predates it): limit + I·A + (limit + I·A)·W/period, the last term being what
 * the bucket and the local allowances refill during the window.
 */
function maxAdmitted(rule: RateRule, isolates: number, allowance: number, elapsedMs: number): number {
  const burst = rule.limit + isolates * allowance;
  return burst + Math.ceil((burst * elapsedMs) / (rule.periodSeconds * 1000));
}

describe('LeasedLimiter under a burst', () => {
  const rule = { limit: 100, periodSeconds: 60 };

  it.each([1, 2, 3])(
    'admits between the limit and limit + isolates × local allowance for 1,000 concurrent events (%i isolates)',
    async (count) => {
      const prefix = uniquePrefix('ip');
      const isolates = Array.from({ length: count }, () => limiter(rule, { prefix }));
      const allowance = defaultLocalAllowance(rule);
      expect(allowance).toBe(10);

      const { admitted, elapsedMs } = await burst(isolates, 'client', 1_000);

      expect(admitted).toBeGreaterThanOrEqual(rule.limit);
      expect(admitted).toBeLessThanOrEqual(maxAdmitted(rule, count, allowance, elapsedMs));
      const doCalls = isolates.reduce((sum, isolate) => sum + isolate.stats.doCalls, 0);
      console.log(`burst, ${count} isolate(s): ${admitted} of 1,000 admitted, ${doCalls} DO calls`);
    },
  );

  it('reaches the bound when every isolate spends its allowance on an already empty bucket', async () => {
    const prefix = uniquePrefix('ip');
    // Another client used the whole bucket already (through the Durable Object).
    expect(
      (await testEnv.RATE_LIMITER.getByName(`${prefix}:client`).lease({ ...rule, want: 100, spent: 0 }))
        .granted,
    ).toBe(100);
    const isolates = Array.from({ length: 3 }, () => limiter(rule, { prefix }));

    let admitted = 0;
    for (const isolate of isolates) {
      for (let i = 0; i < 20; i++) if ((await isolate.check('client')).allowed) admitted++;
    }

    // Exactly isolates × allowance over the limit, and each isolate's first call shut it off.
    expect(admitted).toBe(3 * defaultLocalAllowance(rule));
    expect(isolates.map((isolate) => isolate.stats.doCalls)).toEqual([1, 1, 1]);
  });

  it('never exceeds the limit for a key with no local allowance, however many isolates ask', async () => {
    const siteRule = { limit: 1_000, periodSeconds: 60 };
    const prefix = uniquePrefix('site');
    const isolates = Array.from({ length: 3 }, () => limiter(siteRule, { prefix, localAllowance: 0 }));

    const { admitted, elapsedMs } = await burst(isolates, '42', 3_000);

    expect(admitted).toBeGreaterThanOrEqual(siteRule.limit);
    expect(admitted).toBeLessThanOrEqual(maxAdmitted(siteRule, 3, 0, elapsedMs));
    const doCalls = isolates.reduce((sum, isolate) => sum + isolate.stats.doCalls, 0);
    console.log(`burst, 3 isolates, no local allowance: ${admitted} of 3,000 admitted, ${doCalls} DO calls`);
    // Leases grow from 1 % to 10 % of the limit, so a thousand tokens take a few dozen calls, not a thousand.
    expect(doCalls).toBeLessThanOrEqual(60);
  });

  it('shares one Durable Object call among concurrent checks of a key', async () => {
    const isolate = limiter(
      { limit: 1_000, periodSeconds: 60 },
      { prefix: uniquePrefix('site'), localAllowance: 0 },
    );
    const results = await Promise.all(Array.from({ length: 50 }, () => isolate.check('7')));
    expect(results.every((result) => result.allowed)).toBe(true);
    expect(isolate.stats.doCalls).toBeLessThanOrEqual(3);
  });
});

describe('LeasedLimiter local allowance', () => {
  const rule = { limit: 100, periodSeconds: 60 };

  it('admits a light key without any Durable Object call', async () => {
    const isolate = limiter(rule, { prefix: uniquePrefix('ip') });
    for (let i = 0; i < 10; i++) expect(await isolate.check('visitor')).toEqual({ allowed: true });
    expect(isolate.stats.doCalls).toBe(0);
  });

  it('charges the Durable Object for what it admitted once the key outgrows the allowance', async () => {
    const prefix = uniquePrefix('ip');
    const isolate = limiter(rule, { prefix });
    for (let i = 0; i < 11; i++) expect((await isolate.check('heavy')).allowed).toBe(true);
    expect(isolate.stats.doCalls).toBe(1);

    // 10 admitted locally were charged; 11 events within milliseconds are a burst, so the
    // first lease is the largest (50 of 100): 40 left.
    expect(maxLeaseSize(rule)).toBe(50);
    const left = await testEnv.RATE_LIMITER.getByName(`${prefix}:heavy`).lease({
      ...rule,
      want: 100,
      spent: 0,
    });
    expect(left.granted).toBe(40);
  });

  it('gives a key its allowance back after it has been idle for a period', async () => {
    let clock = Date.now();
    const isolate = limiter(rule, { prefix: uniquePrefix('ip'), now: () => clock });
    for (let i = 0; i < 12; i++) await isolate.check('returning');
    const calls = isolate.stats.doCalls;
    expect(calls).toBeGreaterThan(0);

    clock += 61_000;
    for (let i = 0; i < 10; i++) expect((await isolate.check('returning')).allowed).toBe(true);
    expect(isolate.stats.doCalls).toBe(calls);
  });
});

describe('LeasedLimiter blocked cache', () => {
  it('answers a refused key from memory, with Retry-After, until the retry time', async () => {
    let clock = Date.now();
    const rule = { limit: 6, periodSeconds: 60 }; // one token per 10 s
    const isolate = limiter(rule, { prefix: uniquePrefix('login'), localAllowance: 0, now: () => clock });

    let admitted = 0;
    for (let i = 0; i < 10; i++) if ((await isolate.check('user@example.com')).allowed) admitted++;
    expect(admitted).toBe(6);
    const callsWhenBlocked = isolate.stats.doCalls;

    for (let i = 0; i < 100; i++) {
      const result = await isolate.check('user@example.com');
      expect(result.allowed).toBe(false);
      if (!result.allowed) {
        expect(result.retryAfterSeconds).toBeGreaterThanOrEqual(9);
        expect(result.retryAfterSeconds).toBeLessThanOrEqual(10);
      }
    }
    expect(isolate.stats.doCalls).toBe(callsWhenBlocked);

    clock += 5_000;
    const later = await isolate.check('user@example.com');
    expect(later.allowed === false && later.retryAfterSeconds).toBeGreaterThanOrEqual(4);
    expect(isolate.stats.doCalls).toBe(callsWhenBlocked);

    // Past the retry time the isolate asks again (and the Durable Object, on real time, still refuses).
    clock += 6_000;
    expect((await isolate.check('user@example.com')).allowed).toBe(false);
    expect(isolate.stats.doCalls).toBe(callsWhenBlocked + 1);
  });

  it('tells a fast client to come back after one lease TTL, when tokens have accrued again', async () => {
    // 100/60: a token every 0.6 s, a lease TTL of 6 s.
    const isolate = limiter(
      { limit: 100, periodSeconds: 60 },
      { prefix: uniquePrefix('ip'), localAllowance: 0 },
    );
    let last = await isolate.check('fast');
    while (last.allowed) last = await isolate.check('fast');
    expect(last).toEqual({ allowed: false, retryAfterSeconds: 6 });
  });

  it('waits for the next token when it is further off than a lease TTL', async () => {
    // 5/60: a token every 12 s, a lease TTL of 6 s.
    const isolate = limiter(
      { limit: 5, periodSeconds: 60 },
      { prefix: uniquePrefix('login'), localAllowance: 0 },
    );
    let last = await isolate.check('slow');
    while (last.allowed) last = await isolate.check('slow');
    expect(last.allowed).toBe(false);
    expect(last.allowed === false && last.retryAfterSeconds).toBeGreaterThanOrEqual(11);
  });
});

describe('LeasedLimiter when the Durable Object fails', () => {
  const rule = { limit: 100, periodSeconds: 60 };

  it('fails open for ingest, and does not ask again during the back-off', async () => {
    const source = faultyNamespace('throw');
    const isolate = new LeasedLimiter(source, rule, { prefix: 'ip', failOpen: true, localAllowance: 0 });
    expect(await isolate.check('a')).toEqual({ allowed: true });
    expect(await isolate.check('a')).toEqual({ allowed: true });
    expect(isolate.stats).toMatchObject({ doCalls: 1, doErrors: 1 });
    expect(source.calls).toBe(1);
  });

  it('fails closed for login, with a Retry-After', async () => {
    const source = faultyNamespace('throw');
    const isolate = new LeasedLimiter(source, rule, { prefix: 'login', failOpen: false, localAllowance: 0 });
    expect(await isolate.check('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(isolate.stats.doErrors).toBe(1);
  });

  it('treats a call that takes longer than the timeout as failed', async () => {
    const source = faultyNamespace('hang');
    const isolate = new LeasedLimiter(source, rule, {
      prefix: 'login',
      failOpen: false,
      localAllowance: 0,
      timeoutMs: 50,
    });
    const results = await Promise.all([isolate.check('a'), isolate.check('a'), isolate.check('a')]);
    expect(results.every((result) => !result.allowed)).toBe(true);
    expect(isolate.stats).toMatchObject({ doCalls: 1, doErrors: 1 });
  });

  it('asks again once the back-off is over', async () => {
    let clock = Date.now();
    const source = faultyNamespace('throw');
    const isolate = new LeasedLimiter(source, rule, {
      prefix: 'ip',
      failOpen: true,
      localAllowance: 0,
      now: () => clock,
    });
    await isolate.check('a');
    clock += 1_001;
    await isolate.check('a');
    expect(source.calls).toBe(2);
  });
});

describe('LeasedLimiter memory', () => {
  it('keeps at most maxKeys keys, dropping the least recently used', async () => {
    const isolate = limiter({ limit: 300, periodSeconds: 60 }, { prefix: uniquePrefix('ip'), maxKeys: 100 });
    for (let i = 0; i < 500; i++) await isolate.check(`visitor-${i}`);
    expect(isolate.trackedKeys).toBe(100);
    expect(isolate.stats.doCalls).toBe(0);
  });

  it('forgets keys idle for a period', async () => {
    let clock = Date.now();
    const isolate = limiter(
      { limit: 300, periodSeconds: 60 },
      { prefix: uniquePrefix('ip'), now: () => clock },
    );
    for (let i = 0; i < 50; i++) await isolate.check(`visitor-${i}`);
    expect(isolate.trackedKeys).toBe(50);
    clock += 61_000;
    await isolate.check('newcomer');
    expect(isolate.trackedKeys).toBe(1);
  });
});
