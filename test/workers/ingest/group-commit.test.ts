import { describe, expect, it } from 'vitest';
import type { EventBatchMessage } from '../../../workers/events/record';
import { GroupCommit } from '../../../workers/ingest/group-commit';

function fakeRecord(i: number, pad = 0) {
  return {
    site_id: 1,
    pathname: `/${i}${'x'.repeat(pad)}`,
  } as unknown as EventBatchMessage['events'][number];
}

describe('group commit', () => {
  it('sends concurrent events as one queue message, resolving every waiter after the send', async () => {
    const sent: EventBatchMessage[] = [];
    const commit = new GroupCommit({
      windowMs: 30,
      maxEvents: 1_000,
      send: async (m) => {
        sent.push(m);
      },
    });
    await Promise.all(Array.from({ length: 200 }, (_, i) => commit.add(fakeRecord(i))));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.events).toHaveLength(200);
  });

  it('sends a full group at once instead of waiting for the window', async () => {
    const sent: EventBatchMessage[] = [];
    const commit = new GroupCommit({ windowMs: 60_000, maxEvents: 50, send: async (m) => void sent.push(m) });
    // The window (60 s) is longer than the test timeout: finishing at all proves no group waited.
    await Promise.all(Array.from({ length: 150 }, (_, i) => commit.add(fakeRecord(i))));
    expect(sent.map((m) => m.events.length)).toEqual([50, 50, 50]);
  });

  it('keeps every message under the queue size limit however many events arrive', async () => {
    const sent: EventBatchMessage[] = [];
    const commit = new GroupCommit({ windowMs: 30, maxEvents: 10_000, send: async (m) => void sent.push(m) });
    await Promise.all(Array.from({ length: 600 }, (_, i) => commit.add(fakeRecord(i, 900))));
    expect(sent.length).toBeGreaterThan(1);
    for (const m of sent)
      expect(new TextEncoder().encode(JSON.stringify(m)).byteLength).toBeLessThan(128_000);
    expect(sent.reduce((n, m) => n + m.events.length, 0)).toBe(600);
  });

  it('rejects every waiter when the send fails, so none of them answers 202', async () => {
    const commit = new GroupCommit({
      windowMs: 10,
      send: () => Promise.reject(new Error('queue unavailable')),
    });
    const results = await Promise.allSettled([commit.add(fakeRecord(1)), commit.add(fakeRecord(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
