import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { VISIT_MEMORY_MS, visitId } from '../../../workers/visits/sessionize';
import { FORGET_INTERVAL_MS, VisitTracker } from '../../../workers/visits/tracker';
import { testEnv } from '../helpers/stack';

const MINUTE = 60_000;

function tracker() {
  return testEnv.VISIT_TRACKER.getByName(`tracker-test:${crypto.randomUUID()}`);
}

describe('VisitTracker', () => {
  it('answers visit ids by the 30-minute rule and arms the forgetting alarm', async () => {
    const stub = tracker();
    const t = Date.UTC(2026, 9, 5, 10, 58);
    const ids = await stub.assign([
      { visitor: '18446744073709551615', timestamp: t },
      { visitor: '18446744073709551615', timestamp: t + 5 * MINUTE },
      { visitor: '7', timestamp: t },
      { visitor: '18446744073709551615', timestamp: t + 40 * MINUTE },
    ]);
    const max = (1n << 64n) - 1n;
    expect(ids).toEqual([
      visitId(max, t).toString(),
      visitId(max, t).toString(),
      visitId(7n, t).toString(),
      visitId(max, t + 40 * MINUTE).toString(),
    ]);
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now());
    expect(alarm).toBeLessThanOrEqual(Date.now() + FORGET_INTERVAL_MS);
  });

  it('keeps visits in SQLite: a fresh instance (after eviction) continues them', async () => {
    const stub = tracker();
    const t = Date.now() - 10 * MINUTE;
    const [first] = await stub.assign([{ visitor: '42', timestamp: t }]);
    const stored = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec('SELECT visitor, id, first, last FROM visits').toArray(),
    );
    expect(stored).toEqual([{ visitor: '42', id: first, first: t, last: t }]);
    const continued = await runInDurableObject(stub, (_instance, state) =>
      new VisitTracker(state, testEnv).assign([{ visitor: '42', timestamp: t + 20 * MINUTE }]),
    );
    expect(continued).toEqual([first]);
  });

  it('forgets visits idle for VISIT_MEMORY_MS, and deletes everything once none is left', async () => {
    const stub = tracker();
    const now = Date.now();
    const old = now - VISIT_MEMORY_MS - MINUTE;
    const [forgotten, kept] = await stub.assign([
      { visitor: '1', timestamp: old },
      { visitor: '2', timestamp: now - MINUTE },
    ]);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec('SELECT id FROM visits').toArray(),
    );
    expect(left).toEqual([{ id: kept }]);
    // Still one visit left: the alarm is armed again.
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).not.toBeNull();

    // Visitor 1 came back within 30 minutes of a forgotten visit: by then its id has rotated in
    // production, so a new visit is right.
    const [again] = await stub.assign([{ visitor: '1', timestamp: old + MINUTE }]);
    expect(again).not.toBe(forgotten);

    const empty = tracker();
    await empty.assign([{ visitor: '3', timestamp: old }]);
    expect(await runDurableObjectAlarm(empty)).toBe(true);
    const after = await runInDurableObject(empty, async (_instance, state) => ({
      alarm: await state.storage.getAlarm(),
      tables: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'visits'").toArray(),
    }));
    expect(after).toEqual({ alarm: null, tables: [] });
    // The object still works after deleting everything.
    expect(await empty.assign([{ visitor: '3', timestamp: now }])).toEqual([visitId(3n, now).toString()]);
  });
});
