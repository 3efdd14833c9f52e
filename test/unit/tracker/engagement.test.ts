import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const viewport = 800;
const documentHeight = 4000;
/** Times are `Date.now()` values in the tracker; offsets from a fixed instant read better. */
const t0 = Date.UTC(2026, 10, 1);

/** The page the module reads: visibility, focus, scroll position and sizes. */
const page = { hidden: false, focused: true, scrollY: 0, height: documentHeight };

/** A fresh copy of the module: its state is one page view's, kept in module variables. */
async function load() {
  vi.resetModules();
  return import('../../../tracker/src/engagement');
}

/** Sets the clock and the page state, as at an activity signal. */
function at(ms: number, state: Partial<typeof page> = {}): void {
  vi.setSystemTime(t0 + ms);
  Object.assign(page, state);
}

beforeEach(() => {
  vi.useFakeTimers();
  Object.assign(page, { hidden: false, focused: true, scrollY: 0, height: documentHeight });
  vi.stubGlobal('document', {
    get hidden() {
      return page.hidden;
    },
    hasFocus: () => page.focused,
    documentElement: {
      get scrollHeight() {
        return page.height;
      },
    },
  });
  vi.stubGlobal('innerHeight', viewport);
  Object.defineProperty(globalThis, 'scrollY', { configurable: true, get: () => page.scrollY });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  Reflect.deleteProperty(globalThis, 'scrollY');
});

describe('engagement', () => {
  it('counts only the time the page was visible and focused', async () => {
    const { recordActivity, startEngagement, takeEngagement } = await load();
    at(1_000);
    startEngagement();
    at(4_000, { hidden: true }); // hidden after 3 s
    recordActivity();
    at(60_000, { hidden: false }); // back after a minute away
    recordActivity();
    at(61_000, { focused: false }); // another window in front
    recordActivity();
    at(70_000, { focused: true });
    recordActivity();
    at(71_000, { hidden: true });
    expect(takeEngagement()?.e).toBe(5_000);
  });

  it('does not count time on a page that loaded in the background', async () => {
    const { startEngagement, takeEngagement } = await load();
    at(0, { hidden: true });
    startEngagement();
    at(30_000);
    expect(takeEngagement()?.e).toBe(0);
  });

  it('keeps the deepest scroll in percent of the document, at most 100', async () => {
    const { recordActivity, startEngagement, takeEngagement } = await load();
    at(0);
    startEngagement();
    at(10, { scrollY: 1_200 }); // bottom of the viewport at 2000 of 4000
    recordActivity();
    at(20, { scrollY: 0 }); // scrolled back up
    recordActivity();
    expect(takeEngagement()?.sd).toBe(50);
    at(30, { scrollY: 3_500 }); // overscroll past the end
    recordActivity();
    expect(takeEngagement()?.sd).toBe(100);
  });

  it('reports 100 % for a page shorter than the viewport', async () => {
    const { startEngagement, takeEngagement } = await load();
    at(0, { height: viewport });
    startEngagement();
    expect(takeEngagement()?.sd).toBe(100);
  });

  it('reports engaged time as increments, so the server can sum them per page view', async () => {
    const { recordActivity, startEngagement, takeEngagement } = await load();
    at(0);
    startEngagement();
    at(2_000, { hidden: true });
    expect(takeEngagement()).toEqual({ i: false, sd: 20, e: 2_000 });
    at(10_000, { hidden: false });
    recordActivity();
    at(11_000, { hidden: true });
    expect(takeEngagement()).toEqual({ i: false, sd: 20, e: 1_000 });
  });

  it('sends nothing when neither time nor depth changed since the last report', async () => {
    const { startEngagement, takeEngagement } = await load();
    at(0, { hidden: true });
    startEngagement();
    expect(takeEngagement()).toBeDefined();
    at(100);
    expect(takeEngagement()).toBeUndefined();
  });

  it('counts the open span up to the report when the page is still active', async () => {
    const { recordActivity, startEngagement, takeEngagement } = await load();
    at(0);
    startEngagement();
    at(1_500); // e.g. a scroll while active
    recordActivity();
    at(4_000);
    expect(takeEngagement()?.e).toBe(4_000);
  });

  it('starts the next page view from zero after an SPA navigation', async () => {
    const { recordActivity, startEngagement, takeEngagement } = await load();
    at(0);
    startEngagement();
    at(3_000, { scrollY: 3_200 });
    recordActivity();
    expect(takeEngagement()).toEqual({ i: false, sd: 100, e: 3_000 });
    at(3_000, { scrollY: 0 });
    startEngagement();
    at(4_000);
    expect(takeEngagement()).toEqual({ i: false, sd: 20, e: 1_000 });
  });
});
