import { describe, expect, it } from 'vitest';
import {
  assignVisits,
  forgetIdle,
  VISIT_MEMORY_MS,
  type VisitEvent,
  type VisitState,
  visitId,
} from '../../../workers/visits/sessionize';

const at = (iso: string) => Date.parse(iso);
const ev = (visitor: bigint, iso: string): VisitEvent => ({ visitor, timestamp: at(iso) });

/** The visits of the events as letters, in order of first appearance: 'AAB' = two visits. */
function shape(ids: bigint[]): string {
  const names = new Map<bigint, string>();
  return ids
    .map((id) => {
      if (!names.has(id)) names.set(id, String.fromCharCode(65 + names.size));
      return names.get(id);
    })
    .join('');
}

describe('the 30-minute visit rule', () => {
  it('keeps a visit across an hour boundary and across midnight', () => {
    const ids = assignVisits(new Map(), [
      ev(1n, '2026-12-03T10:58:00Z'),
      ev(1n, '2026-12-03T11:03:00Z'),
      ev(2n, '2026-12-03T23:50:00Z'),
      ev(2n, '2026-12-04T00:10:00Z'),
    ]);
    expect(shape(ids)).toBe('AABB');
  });

  it('a 29-minute gap continues the visit, a 31-minute gap starts a new one', () => {
    const ids = assignVisits(new Map(), [
      ev(1n, '2026-12-03T10:00:00Z'),
      ev(1n, '2026-12-03T10:29:00Z'), // 29 minutes: the same visit
      ev(1n, '2026-12-03T11:00:00Z'), // 31 minutes: a new one
      ev(1n, '2026-12-03T11:30:00Z'), // exactly 30 minutes: still that one
    ]);
    expect(shape(ids)).toBe('AABB');
  });

  it('gives the same ids one event at a time, in one batch, and when a batch is delivered again', () => {
    const events = [
      ev(7n, '2026-12-03T10:00:00Z'),
      ev(7n, '2026-12-03T10:20:00Z'),
      ev(7n, '2026-12-03T11:30:00Z'),
      ev(8n, '2026-12-03T10:05:00Z'),
    ];
    const batch = assignVisits(new Map(), events);
    const state: VisitState = new Map();
    const single = events.map((e) => assignVisits(state, [e])[0]);
    expect(single).toEqual(batch);
    // Redelivered: the same ids, and nothing new remembered.
    expect(assignVisits(state, events)).toEqual(batch);
    expect(state.get(7n)?.length).toBe(2);
  });

  it('fixes an id when the visit starts: a late earlier event joins without changing it', () => {
    const state: VisitState = new Map();
    const [first] = assignVisits(state, [ev(3n, '2026-12-03T10:10:00Z')]);
    const [late] = assignVisits(state, [ev(3n, '2026-12-03T09:55:00Z')]);
    expect(late).toBe(first);
    expect(first).toBe(visitId(3n, at('2026-12-03T10:10:00Z')));
    // Within 30 minutes of the visit's new first event, still the same visit.
    expect(assignVisits(state, [ev(3n, '2026-12-03T09:30:00Z')])[0]).toBe(first);
  });

  it('gives a redelivered event its id even after late events came between two visits', () => {
    const state: VisitState = new Map();
    const [x] = assignVisits(state, [ev(9n, '2026-12-03T10:00:00Z')]);
    const [y] = assignVisits(state, [ev(9n, '2026-12-03T10:45:00Z')]);
    expect(y).not.toBe(x);
    // Late events in the gap join the visit they are nearer to (10:20 is 15 minutes from the first
    // visit once 10:05 joined it, 25 from the second), so visits never overlap.
    const late = assignVisits(state, [
      ev(9n, '2026-12-03T10:20:00Z'),
      ev(9n, '2026-12-03T10:05:00Z'),
      ev(9n, '2026-12-03T09:58:00Z'),
      ev(9n, '2026-12-03T10:40:00Z'),
    ]);
    expect(late).toEqual([x, x, x, y]);
    // Delivered again, every event gets the id it got the first time.
    expect(assignVisits(state, [ev(9n, '2026-12-03T10:00:00Z')])).toEqual([x]);
    expect(
      assignVisits(state, [
        ev(9n, '2026-12-03T10:20:00Z'),
        ev(9n, '2026-12-03T10:05:00Z'),
        ev(9n, '2026-12-03T09:58:00Z'),
        ev(9n, '2026-12-03T10:40:00Z'),
        ev(9n, '2026-12-03T10:45:00Z'),
      ]),
    ).toEqual([x, x, x, y, y]);
  });

  it('takes a batch in time order, whatever order it came in', () => {
    const ids = assignVisits(new Map(), [
      ev(4n, '2026-12-03T10:50:00Z'),
      ev(4n, '2026-12-03T10:00:00Z'),
      ev(4n, '2026-12-03T10:25:00Z'),
    ]);
    expect(shape(ids)).toBe('AAA');
    expect(ids[0]).toBe(visitId(4n, at('2026-12-03T10:00:00Z')));
  });

  it('keeps visitors apart and forgets visits idle for a day', () => {
    const state: VisitState = new Map();
    const ids = assignVisits(state, [ev(5n, '2026-12-03T10:00:00Z'), ev(6n, '2026-12-03T10:00:00Z')]);
    expect(ids[0]).not.toBe(ids[1]);
    assignVisits(state, [ev(6n, '2026-12-04T09:00:00Z')]);
    expect(forgetIdle(state, at('2026-12-03T10:00:00Z') + VISIT_MEMORY_MS)).toBe(1);
    expect([...state.keys()]).toEqual([6n]);
  });
});
