import { describe, expect, it } from 'vitest';
import { cachedSealedDays, SUPERSEDED_GRACE_SECONDS } from '../../../functions/stats/seal';

/** A stand-in for ClickHouse that counts lookups and answers with the current list. */
function lookups(days: { day: string; version: number }[]) {
  const calls: Record<string, unknown>[] = [];
  let fail = false;
  const run = async (_sql: string, params: Record<string, unknown>) => {
    calls.push(params);
    if (fail) throw new Error('ClickHouse is down');
    return days.map((d) => ({ day: d.day, version: String(d.version) }));
  };
  return {
    run,
    calls,
    failNext(value: boolean) {
      fail = value;
    },
  };
}

describe('cachedSealedDays', () => {
  it('answers a site from memory within the time to live, then looks again', async () => {
    const days = [{ day: '2026-11-01', version: 1 }];
    const store = lookups(days);
    const t0 = 1_800_000_000_000;
    expect(await cachedSealedDays(store.run, 9001, 60, t0)).toEqual(days);
    days.push({ day: '2026-11-02', version: 1 });
    expect(await cachedSealedDays(store.run, 9001, 60, t0 + 59_000)).toEqual([days[0]]);
    expect(store.calls).toHaveLength(1);
    expect(await cachedSealedDays(store.run, 9001, 60, t0 + 60_000)).toEqual(days);
    expect(store.calls).toHaveLength(2);
  });

  it('keeps sites apart', async () => {
    const store = lookups([{ day: '2026-11-01', version: 3 }]);
    const t0 = 1_800_000_100_000;
    await cachedSealedDays(store.run, 9002, 60, t0);
    await cachedSealedDays(store.run, 9003, 60, t0);
    expect(store.calls).toEqual([{ site: 9002 }, { site: 9003 }]);
  });

  it('looks up every time at 0 seconds', async () => {
    const store = lookups([]);
    const t0 = 1_800_000_200_000;
    await cachedSealedDays(store.run, 9004, 0, t0);
    await cachedSealedDays(store.run, 9004, 0, t0);
    expect(store.calls).toHaveLength(2);
  });

  it('never remembers longer than a quarter of the grace period of superseded versions', async () => {
    const store = lookups([]);
    const t0 = 1_800_000_300_000;
    await cachedSealedDays(store.run, 9005, 86_400, t0);
    await cachedSealedDays(store.run, 9005, 86_400, t0 + (SUPERSEDED_GRACE_SECONDS / 4) * 1000);
    expect(store.calls).toHaveLength(2);
  });

  it('does not remember a failed lookup', async () => {
    const store = lookups([{ day: '2026-11-01', version: 1 }]);
    const t0 = 1_800_000_400_000;
    store.failNext(true);
    await expect(cachedSealedDays(store.run, 9006, 60, t0)).rejects.toThrow('ClickHouse is down');
    store.failNext(false);
    expect(await cachedSealedDays(store.run, 9006, 60, t0 + 1)).toEqual([{ day: '2026-11-01', version: 1 }]);
    expect(store.calls).toHaveLength(2);
  });
});
