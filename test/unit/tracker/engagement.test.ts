import { describe, expect, it } from 'vitest';
import { newEngagement, recordActivity, takeEngagement } from '../../../tracker/src/engagement';

const viewport = 800;
const documentHeight = 4000;
/** Times are `Date.now()` values in the tracker; offsets from a fixed instant read better. */
const t0 = Date.UTC(2026, 10, 1);

describe('engagement', () => {
  it('counts only the time the page was active', () => {
    const state = newEngagement(true, t0 + 1_000);
    recordActivity(state, false, t0 + 4_000, 0, viewport, documentHeight); // hidden after 3 s
    recordActivity(state, true, t0 + 60_000, 0, viewport, documentHeight); // back after a minute away
    recordActivity(state, false, t0 + 62_000, 0, viewport, documentHeight);
    expect(takeEngagement(state)?.e).toBe(5_000);
  });

  it('does not count time on a page that loaded in the background', () => {
    const state = newEngagement(false, t0);
    recordActivity(state, false, t0 + 30_000, 0, viewport, documentHeight);
    expect(takeEngagement(state)?.e).toBe(0);
  });

  it('keeps the deepest scroll in percent of the document', () => {
    const state = newEngagement(true, t0);
    recordActivity(state, true, t0 + 10, 1_200, viewport, documentHeight); // bottom at 2000 of 4000
    recordActivity(state, true, t0 + 20, 0, viewport, documentHeight); // scrolled back up
    expect(takeEngagement(state)?.sd).toBe(50);
  });

  it('caps scroll depth at 100 and reports 100 for a page shorter than the viewport', () => {
    const state = newEngagement(true, t0);
    recordActivity(state, true, t0 + 10, 0, viewport, viewport);
    expect(takeEngagement(state)?.sd).toBe(100);
  });

  it('reports engaged time as increments, so the server can sum them per page view', () => {
    const state = newEngagement(true, t0);
    recordActivity(state, false, t0 + 2_000, 0, viewport, documentHeight);
    expect(takeEngagement(state)).toEqual({ i: false, sd: 20, e: 2_000 });
    recordActivity(state, true, t0 + 10_000, 0, viewport, documentHeight);
    recordActivity(state, false, t0 + 11_000, 0, viewport, documentHeight);
    expect(takeEngagement(state)).toEqual({ i: false, sd: 20, e: 1_000 });
  });

  it('sends nothing when neither time nor depth changed since the last report', () => {
    const state = newEngagement(false, t0);
    recordActivity(state, false, t0 + 100, 0, viewport, documentHeight);
    expect(takeEngagement(state)).toBeDefined();
    recordActivity(state, false, t0 + 200, 0, viewport, documentHeight);
    expect(takeEngagement(state)).toBeUndefined();
  });

  it('counts the open span up to the report when the page is still active', () => {
    const state = newEngagement(true, t0);
    recordActivity(state, true, t0 + 1_500, 0, viewport, documentHeight); // e.g. a scroll while active
    recordActivity(state, true, t0 + 4_000, 0, viewport, documentHeight); // the report itself
    expect(takeEngagement(state)?.e).toBe(4_000);
  });
});
