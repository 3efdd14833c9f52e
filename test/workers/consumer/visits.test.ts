import { describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig } from '../../../workers/config';
import { retryDelaySeconds } from '../../../workers/consumer/consume';
import { parkDeadLetter, replayDeadLetters } from '../../../workers/consumer/dead-letters';
import type { Env } from '../../../workers/env';
import type { EventBatchMessage } from '../../../workers/events/record';
import { VISIT_ID_PLACEHOLDER } from '../../../workers/ingest/visitor';
import { TRACKER_TIMEOUT_MS, type VisitSource } from '../../../workers/visits/assign';
import { visitId } from '../../../workers/visits/sessionize';
import { rows, testEnv, waitForRows } from '../helpers/stack';
import { consume, message, sent } from '../visits/helpers';

let nextSite = 960_000 + Math.floor(Math.random() * 30_000);

/** The real VISIT_TRACKER namespace, wrapped to record the objects called and fail some of them. */
function trackedEnv(
  options: { fail?: (name: string) => boolean; hang?: (name: string) => boolean; vars?: Partial<Env> } = {},
) {
  const calls: { name: string; events: number }[] = [];
  const source: VisitSource = {
    getByName(name) {
      const stub = testEnv.VISIT_TRACKER.getByName(name);
      return {
        assign(events) {
          calls.push({ name, events: events.length });
          if (options.fail?.(name)) return Promise.reject(new Error('tracker unreachable'));
          if (options.hang?.(name)) return new Promise<string[]>(() => undefined);
          return stub.assign(events);
        },
      };
    },
  };
  const env = { ...testEnv, ...options.vars, VISIT_TRACKER: source } as unknown as Env;
  return { env, calls };
}

/** `count` events of visitors 1…visitors of one site, a minute apart from `start`. */
function events(site: number, count: number, visitors: number, start = Date.UTC(2026, 9, 5, 10)) {
  return Array.from({ length: count }, (_, i) =>
    sent(site, new Date(start + i * 60_000).toISOString(), {
      visitor: 1 + (i % visitors),
      pathname: `/p${i}`,
    }),
  );
}

async function stored(site: number) {
  return rows<{ pathname: string; session_id: string }>(
    'SELECT pathname, toString(session_id) AS session_id FROM events WHERE site_id = {s:UInt32} ORDER BY pathname',
    { s: site },
  );
}

describe('visit ids in the queue consumer', () => {
  it('makes one VisitTracker call per site shard per batch, never per event or message', async () => {
    const sites = [nextSite++, nextSite++, nextSite++];
    // 10 messages of 100 events, spread over three sites, as a busy consumer batch holds them.
    const bodies = Array.from({ length: 10 }, (_, m) =>
      message(events(sites[m % 3] ?? 0, 100, 40, Date.UTC(2026, 9, 5, 10) + m * 3_600_000)),
    );
    const one = trackedEnv();
    expect((await consume(bodies, one.env)).retried).toEqual([]);
    expect(one.calls.map((c) => c.name).sort()).toEqual(sites.map((s) => `${s}:0`).sort());
    expect(one.calls.reduce((sum, c) => sum + c.events, 0)).toBe(1000);
    // 3 calls for 1,000 events. With four shards a site's visitors split over four objects.
    const four = trackedEnv({ vars: { VISIT_SHARDS: '4' } });
    const consumed = (await consume(bodies, four.env)).bodies;
    expect(four.calls).toHaveLength(12);
    expect(new Set(four.calls.map((c) => c.name.split(':')[1]))).toEqual(new Set(['0', '1', '2', '3']));
    // Every event got a real visit id, and the rows are stored once.
    for (const body of consumed) {
      for (const e of body.events) expect(e.session_id).not.toBe(VISIT_ID_PLACEHOLDER);
    }
    expect((await stored(sites[0] ?? 0)).length).toBe(400);
  });

  it('retries only the messages with events in a failed shard, inserting nothing of them', async () => {
    const up = nextSite++;
    const down = nextSite++;
    const onlyUp = message(events(up, 3, 2));
    const onlyDown = message(events(down, 2, 1));
    const both = message([
      sent(up, '2026-10-05T12:00:00Z', { visitor: 9, pathname: '/both-up' }),
      sent(down, '2026-10-05T12:00:00Z', { visitor: 9, pathname: '/both-down' }),
    ]);
    const { env, calls } = trackedEnv({ fail: (name) => name.startsWith(`${down}:`) });
    const result = await consume([onlyUp, onlyDown, both], env, 3);
    expect(calls).toHaveLength(2);
    expect(result.acked).toEqual(['msg-0']);
    expect(result.retried).toEqual(['msg-1', 'msg-2']);
    expect((await stored(up)).map((r) => r.pathname)).toEqual(['/p0', '/p1', '/p2']);
    expect(await stored(down)).toEqual([]);

    // Redelivered (with ingest's placeholder ids) once the tracker is back: the same ids as the
    // shard that answered gave the first time, so the message's dedup token still holds.
    const upIdOfBoth = result.bodies[2]?.events[0]?.session_id;
    expect(upIdOfBoth).not.toBe(VISIT_ID_PLACEHOLDER);
    const retried = await consume([onlyDown, both], testEnv, 4);
    expect(retried.acked).toEqual(['msg-0', 'msg-1']);
    expect(retried.bodies[1]?.events[0]?.session_id).toBe(upIdOfBoth);
    const downRows = await stored(down);
    expect(downRows.map((r) => r.pathname)).toEqual(['/both-down', '/p0', '/p1']);
    expect(new Set(downRows.map((r) => r.session_id)).size).toBe(2);
  });

  it('backs off a tracker failure like an insert failure, and gives up on a stuck tracker', async () => {
    const site = nextSite++;
    const { env } = trackedEnv({ fail: () => true });
    const result = await consume([message(events(site, 1, 1))], env, 5);
    expect(result.retried).toEqual(['msg-0']);
    expect(result.acked).toEqual([]);
    expect(retryDelaySeconds(5)).toBe(32);

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const stuck = trackedEnv({ hang: () => true });
      const pending = consume([message(events(site, 1, 1))], stuck.env);
      await vi.advanceTimersByTimeAsync(TRACKER_TIMEOUT_MS);
      expect((await pending).retried).toEqual(['msg-0']);
    } finally {
      vi.useRealTimers();
    }
    expect(await stored(site)).toEqual([]);
  });

  it('reads the shard count from VISIT_SHARDS: 1 by default, 1 to 256', () => {
    expect(parseConfig(testEnv).visitShards).toBe(1);
    expect(parseConfig({ ...testEnv, VISIT_SHARDS: '16' }).visitShards).toBe(16);
    expect(() => parseConfig({ ...testEnv, VISIT_SHARDS: '0' })).toThrow(ConfigError);
    expect(() => parseConfig({ ...testEnv, VISIT_SHARDS: '257' })).toThrow(ConfigError);
  });

  it('gives replayed dead letters their visit ids from the same tracker', async () => {
    const site = nextSite++;
    const at = '2026-10-05T09:00:00Z';
    const body: EventBatchMessage = message([
      sent(site, at, { visitor: 77, pathname: '/parked-a' }),
      sent(site, '2026-10-05T09:10:00Z', { visitor: 77, pathname: '/parked-b' }),
    ]);
    // Parked as the dead-letter queue parks it: with ingest's placeholder ids.
    await parkDeadLetter(testEnv.DB, body, body.batch_id);
    await replayDeadLetters(testEnv);
    const replayed = await waitForRows<{ session_id: string }>(
      'SELECT toString(session_id) AS session_id FROM events WHERE site_id = {s:UInt32}',
      { s: site },
      2,
    );
    const id = visitId(77n, Date.parse(at)).toString();
    expect(replayed).toEqual([{ session_id: id }, { session_id: id }]);
  });
});
