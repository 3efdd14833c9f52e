import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idleExpiryMs, leaseTtlMs } from '../../../workers/limits/rate-limiter';
import { testEnv, uniquePrefix } from './env';

const rule = { limit: 100, periodSeconds: 60 };

function stubFor(label: string) {
  return testEnv.RATE_LIMITER.getByName(`${uniquePrefix(label)}:key`);
}

describe('RateLimiter Durable Object', () => {
  it('leases tokens until the bucket is empty, then refuses with the time to the next token', async () => {
    const stub = stubFor('do-lease');
    const first = await stub.lease({ ...rule, want: 60, spent: 0 });
    expect(first).toEqual({ granted: 60, ttlMs: leaseTtlMs(rule), retryAfterMs: 0 });
    const second = await stub.lease({ ...rule, want: 60, spent: 0 });
    expect(second.granted).toBe(40);
    const third = await stub.lease({ ...rule, want: 10, spent: 0 });
    expect(third.granted).toBe(0);
    // 100 per 60 s is one token per 600 ms.
    expect(third.retryAfterMs).toBeGreaterThan(0);
    expect(third.retryAfterMs).toBeLessThanOrEqual(600);
  });

  it('charges events an isolate admitted on its own before granting more', async () => {
    const stub = stubFor('do-spent');
    expect((await stub.lease({ ...rule, want: 10, spent: 95 })).granted).toBe(5);
    expect((await stub.lease({ ...rule, want: 10, spent: 0 })).granted).toBe(0);
  });

  it('takes back tokens an isolate let lapse', async () => {
    const stub = stubFor('do-returned');
    expect((await stub.lease({ ...rule, want: 10, spent: 90 })).granted).toBe(10);
    expect((await stub.lease({ ...rule, want: 10, spent: 0, returned: 7 })).granted).toBe(7);
  });

  it('grants nothing when fewer than `need` tokens are left', async () => {
    const stub = stubFor('do-need');
    await stub.lease({ ...rule, want: 98, spent: 0 });
    const refused = await stub.lease({ ...rule, want: 5, need: 5, spent: 0 });
    expect(refused.granted).toBe(0);
    expect(refused.retryAfterMs).toBeGreaterThan(600);
  });

  it('rejects a nonsensical rule', async () => {
    const stub = stubFor('do-bad-rule');
    // Called on the instance: a rejecting call through the stub leaks an unhandled rejection in
    // the test pool (cloudflare/workers-sdk#14736), though callers see it as a normal error.
    await runInDurableObject(stub, async (instance) => {
      await expect(instance.lease({ limit: 0, periodSeconds: 60, want: 1, spent: 0 })).rejects.toThrow(
        /Invalid rate rule/,
      );
    });
  });

  it('arms an idle alarm and keeps the key while it is in use', async () => {
    const stub = stubFor('do-alarm-busy');
    const before = Date.now();
    await stub.lease({ ...rule, want: 50, spent: 0 });
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm ?? 0).toBeGreaterThanOrEqual(before + idleExpiryMs(rule));

    // The alarm fires while the key was used recently: nothing is forgotten, the alarm moves on.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();
    expect((await stub.lease({ ...rule, want: 100, spent: 0 })).granted).toBe(50);
  });

  it('forgets an idle key: storage and alarm are deleted and the bucket starts full again', async () => {
    const stub = stubFor('do-alarm-idle');
    await stub.lease({ ...rule, want: 100, spent: 0 });
    expect((await stub.lease({ ...rule, want: 1, spent: 0 })).granted).toBe(0);

    await runInDurableObject(stub, (instance) => {
      instance.lastUsedAt = Date.now() - idleExpiryMs(rule) - 1;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(stub, async (_instance, state) => ({
      alarm: await state.storage.getAlarm(),
      keys: [...(await state.storage.list()).keys()],
    }));
    expect(left).toEqual({ alarm: null, keys: [] });
    expect((await stub.lease({ ...rule, want: 100, spent: 0 })).granted).toBe(100);
  });
});
