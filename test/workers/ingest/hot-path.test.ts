import { afterEach, describe, expect, it, vi } from 'vitest';
import { SaltCache } from '../../../workers/ingest/salts';
import { testEnv } from '../helpers/stack';

/**
 * Per-event costs the ingest profile found (docs/benchmarks.md): work done for every event that
 * needs doing once per isolate.
 */
describe('ingest hot path', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("hands out the day's salt key once loaded without a timer per event", async () => {
    const cache = new SaltCache(testEnv.DB);
    const now = Date.parse('2031-05-06T09:00:00Z');
    const first = await cache.keyFor(now);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const again = await cache.keyFor(now + 60_000);
    expect(again).toBe(first);
    expect(timers).not.toHaveBeenCalled();
  });

  it('still loads a new key when the day changes', async () => {
    const cache = new SaltCache(testEnv.DB);
    const today = await cache.keyFor(Date.parse('2031-05-07T23:59:00Z'));
    const tomorrow = await cache.keyFor(Date.parse('2031-05-08T00:01:00Z'));
    expect(tomorrow).not.toBe(today);
  });
});
