import { describe, expect, it } from 'vitest';
import type { EventBatchMessage } from '../../../workers/events/record';
import { GroupCommit } from '../../../workers/ingest/group-commit';
import { createSite, pageview, send, waitForRows, workerFetch } from '../helpers/stack';

function fakeRecord(i: number, pad = 0) {
  return { site_id: 1, pathname: `/${i}${'x'.repeat(pad)}` } as unknown as EventBatchMessage['events'][number];
}

describe('group commit', () => {
  it('sends concurrent events as one queue message, resolving every waiter after the send', async () => {
    const sent: EventBatchMessage[] = [];
    const commit = new GroupCommit({
      windowMs: 30,
      send: async (m) => {
        sent.push(m);
      },
    });
    await Promise.all(Array.from({ length: 200 }, (_, i) => commit.add(fakeRecord(i))));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.events).toHaveLength(200);
  });

  it('keeps every message under the queue size limit however many events arrive', async () => {
    const sent: EventBatchMessage[] = [];
    const commit = new GroupCommit({ windowMs: 30, send: async (m) => void sent.push(m) });
    await Promise.all(Array.from({ length: 600 }, (_, i) => commit.add(fakeRecord(i, 900))));
    expect(sent.length).toBeGreaterThan(1);
    for (const m of sent) expect(JSON.stringify(m).length).toBeLessThan(128 * 1024);
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

  it('through the Worker: 300 concurrent events travel in a handful of messages', async () => {
    const site = await createSite();
    const before = await metric('edgebear_queue_messages_sent_total');
    const responses = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        send('/api/event', pageview(site.domain, `https://${site.domain}/p/${i}`), { ip: `198.18.${i >> 8}.${i & 255}` }),
      ),
    );
    expect(responses.every((r) => r.status === 202)).toBe(true);
    const after = await metric('edgebear_queue_messages_sent_total');
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(30);
    const stored = await waitForRows('SELECT 1 FROM events WHERE site_id = {s:UInt32}', { s: site.id }, 300);
    expect(stored).toHaveLength(300);
  });
});

async function metric(name: string): Promise<number> {
  const res = await workerFetch('/metrics', { headers: { authorization: 'Bearer test-metrics-token' } });
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}
