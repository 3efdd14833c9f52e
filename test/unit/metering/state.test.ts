import { describe, expect, it } from 'vitest';
import { splitWindow } from '../../../workers/billing/count';
import { settle, stateAt, usagePercent } from '../../../workers/billing/state';

const GRACE = 7 * 86_400;
const NOW = 2_000_000_000;

describe('the soft-limit state of a period', () => {
  it('is ok under 80 %, warning from 80 %, grace from 100 %', () => {
    expect(settle(null, 79, 100, NOW, GRACE)).toEqual({
      limit_events: 100,
      state: 'ok',
      grace_ends_at: null,
    });
    expect(settle(null, 80, 100, NOW, GRACE).state).toBe('warning');
    expect(settle(null, 99, 100, NOW, GRACE).state).toBe('warning');
    expect(settle(null, 100, 100, NOW, GRACE)).toEqual({
      limit_events: 100,
      state: 'grace',
      grace_ends_at: NOW + GRACE,
    });
  });

  it('keeps the grace end across runs and turns over when it has passed', () => {
    const first = settle(null, 120, 100, NOW, GRACE);
    const stored = { events: 120, ...first };
    expect(settle(stored, 130, 100, NOW + GRACE - 1, GRACE)).toEqual(first);
    expect(settle(stored, 130, 100, NOW + GRACE, GRACE)).toEqual({ ...first, state: 'over' });
  });

  it('a raised limit that covers the usage is ok again; one that does not starts a fresh grace', () => {
    const over = { events: 120, limit_events: 100, state: 'over', grace_ends_at: NOW - 1 };
    expect(stateAt(over, 1_000, NOW, GRACE)).toBe('ok');
    expect(stateAt(over, 140, NOW, GRACE)).toBe('warning');
    expect(settle(over, 120, 110, NOW, GRACE)).toEqual({
      limit_events: 110,
      state: 'grace',
      grace_ends_at: NOW + GRACE,
    });
  });

  it('a lowered limit keeps the running grace period, so switching plans cannot reset it', () => {
    const grace = { events: 120, limit_events: 100, state: 'grace', grace_ends_at: NOW + 3600 };
    expect(settle(grace, 120, 50, NOW, GRACE).grace_ends_at).toBe(NOW + 3600);
  });

  it('a stored over under the same limit stays over (decided by a clock ahead of this one)', () => {
    const over = { events: 120, limit_events: 100, state: 'over', grace_ends_at: NOW + GRACE };
    expect(stateAt(over, 100, NOW, GRACE)).toBe('over');
  });

  it('percent is whole and rounded down; a limit of 0 is reached by the first event', () => {
    expect(usagePercent(799, 1000)).toBe(79);
    expect(usagePercent(3000, 1000)).toBe(300);
    expect(usagePercent(0, 0)).toBe(0);
    expect(settle(null, 0, 0, NOW, GRACE).state).toBe('ok');
    expect(settle(null, 1, 0, NOW, GRACE).state).toBe('grace');
  });
});

describe('splitting a period into rollup hours and raw edges', () => {
  it('reads whole hours from the rollup and the partial first and last hours raw', () => {
    const hour = 1_800_000_000; // an hour boundary
    const start = hour + 1234;
    const end = start + 86_400;
    expect(splitWindow({ siteId: 1, start, end })).toEqual({
      fullFrom: hour + 3600,
      fullTo: hour + 86_400,
      edges: [
        [start, hour + 3600],
        [hour + 86_400, end],
      ],
    });
  });

  it('a period on hour boundaries has empty edges; a period within one hour is one raw edge', () => {
    const hour = 1_800_000_000;
    expect(splitWindow({ siteId: 1, start: hour, end: hour + 7200 })).toEqual({
      fullFrom: hour,
      fullTo: hour + 7200,
      edges: [
        [hour, hour],
        [hour + 7200, hour + 7200],
      ],
    });
    expect(splitWindow({ siteId: 1, start: hour + 10, end: hour + 20 })).toEqual({
      fullFrom: 0,
      fullTo: 0,
      edges: [
        [hour + 10, hour + 20],
        [0, 0],
      ],
    });
  });
});
