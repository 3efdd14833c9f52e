import { beforeEach, describe, expect, it } from 'vitest';
import { parkDeadLetter, replayDeadLetters } from '../../../workers/consumer/dead-letters';
import type { EventBatchMessage } from '../../../workers/events/record';
import { blankEvent } from '../../fixtures/event-record';
import { testEnv } from '../helpers/stack';

function batch(events = 2, pad = 0): EventBatchMessage {
  const props: Record<string, string> = pad > 0 ? { pad: 'x'.repeat(pad) } : {};
  return {
    v: 1,
    batch_id: crypto.randomUUID(),
    events: Array.from({ length: events }, (_, i) => ({
      ...blankEvent(),
      site_id: 1,
      pathname: `/p${i}`,
      props,
    })),
  };
}

/** A queue that records what is sent (and may fail or act during a send) instead of delivering. */
function recordingQueue(onSend?: (bodies: EventBatchMessage[]) => Promise<void> | void) {
  const sent: EventBatchMessage[] = [];
  const calls: number[] = [];
  const queue = {
    async send(body: EventBatchMessage) {
      await onSend?.([body]);
      sent.push(body);
      calls.push(1);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<EventBatchMessage>>) {
      const bodies = [...messages].map((m) => m.body);
      // Yield, so concurrent replays interleave as they would over the network.
      await new Promise((r) => setTimeout(r, 5));
      await onSend?.(bodies);
      sent.push(...bodies);
      calls.push(bodies.length);
    },
  };
  return { queue: queue as unknown as Queue<EventBatchMessage>, sent, calls };
}

async function parkedIds(): Promise<string[]> {
  const result = await testEnv.DB.prepare('SELECT batch_id FROM dead_letters ORDER BY batch_id').all<{
    batch_id: string;
  }>();
  return result.results.map((row) => row.batch_id);
}

async function park(n: number, make: () => EventBatchMessage = () => batch()): Promise<EventBatchMessage[]> {
  const bodies = Array.from({ length: n }, make);
  for (const body of bodies) await parkDeadLetter(testEnv.DB, body, body.batch_id);
  return bodies;
}

describe('replayDeadLetters', () => {
  beforeEach(async () => {
    await testEnv.DB.prepare('DELETE FROM dead_letters').run();
  });

  it('two replays at once send every message exactly once', async () => {
    const bodies = await park(30);
    const { queue, sent } = recordingQueue();
    const env = { ...testEnv, EVENTS_QUEUE: queue };
    const outcomes = await Promise.all([
      replayDeadLetters(env, { limit: 30 }),
      replayDeadLetters(env, { limit: 30 }),
      replayDeadLetters(env, { limit: 30 }),
    ]);
    expect(sent.map((b) => b.batch_id).sort()).toEqual(bodies.map((b) => b.batch_id).sort());
    expect(outcomes.reduce((sum, o) => sum + o.replayed, 0)).toBe(30);
    expect(await parkedIds()).toEqual([]);
  });

  it('keeps every message parked when the queue refuses the send, and a later replay sends them', async () => {
    const bodies = await park(3);
    const failing = recordingQueue(() => {
      throw new Error('queue unavailable');
    });
    await expect(replayDeadLetters({ ...testEnv, EVENTS_QUEUE: failing.queue })).rejects.toThrow(/queue/i);
    expect(await parkedIds()).toEqual(bodies.map((b) => b.batch_id).sort());

    const working = recordingQueue();
    const outcome = await replayDeadLetters({ ...testEnv, EVENTS_QUEUE: working.queue });
    expect(outcome).toMatchObject({ replayed: 3, remaining: 0 });
    expect(working.sent).toHaveLength(3);
  });

  it('leaves a message another replay holds alone until that claim expires', async () => {
    const [held] = await park(1);
    const now = Math.floor(Date.now() / 1000);
    await testEnv.DB.prepare('UPDATE dead_letters SET claimed_until = ?1')
      .bind(now + 60)
      .run();
    const { queue, sent } = recordingQueue();
    const outcome = await replayDeadLetters({ ...testEnv, EVENTS_QUEUE: queue });
    expect(outcome).toMatchObject({ replayed: 0, remaining: 1 });
    expect(sent).toEqual([]);

    // A replay that died after claiming: its claim runs out and the message is sent after all.
    await testEnv.DB.prepare('UPDATE dead_letters SET claimed_until = ?1')
      .bind(now - 1)
      .run();
    expect(await replayDeadLetters({ ...testEnv, EVENTS_QUEUE: queue })).toMatchObject({ replayed: 1 });
    expect(sent.map((b) => b.batch_id)).toEqual([held?.batch_id]);
  });

  it('does not lose a message the consumer parks again while its replay is still in flight', async () => {
    const [body] = await park(1);
    // The consumer refuses the replayed rows at once and parks the message again mid-replay.
    const { queue } = recordingQueue(async (bodies) => {
      for (const b of bodies) await parkDeadLetter(testEnv.DB, b, b.batch_id);
    });
    await replayDeadLetters({ ...testEnv, EVENTS_QUEUE: queue });
    expect(await parkedIds()).toEqual([body?.batch_id]);
  });

  it('sends in batches the queue accepts: at most 100 messages and well under 256 KB each', async () => {
    await park(150);
    const small = recordingQueue();
    expect(await replayDeadLetters({ ...testEnv, EVENTS_QUEUE: small.queue }, { limit: 150 })).toMatchObject({
      replayed: 150,
    });
    expect(Math.max(...small.calls)).toBeLessThanOrEqual(100);

    // Six messages of ~60 KB each: no sendBatch may carry more than three of them.
    await park(6, () => batch(1, 60_000));
    const large = recordingQueue();
    await replayDeadLetters({ ...testEnv, EVENTS_QUEUE: large.queue });
    expect(large.sent).toHaveLength(6);
    expect(Math.max(...large.calls)).toBeLessThanOrEqual(3);
  });

  it('dry run sends nothing and claims nothing', async () => {
    await park(2);
    await parkDeadLetter(testEnv.DB, 'not json at all', 'm-poison');
    const { queue, sent } = recordingQueue();
    const outcome = await replayDeadLetters({ ...testEnv, EVENTS_QUEUE: queue }, { dryRun: true });
    expect(outcome).toMatchObject({ dry_run: true, replayed: 2, events: 4, skipped: 1, remaining: 3 });
    expect(sent).toEqual([]);
    const claimed = await testEnv.DB.prepare(
      'SELECT count(*) AS n FROM dead_letters WHERE claimed_until IS NOT NULL',
    ).first<{ n: number }>();
    expect(claimed?.n).toBe(0);
  });
});
