import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const viewport = 800;
const documentHeight = 4000;
/** Times are `Date.now()` values in the tracker; offsets from a fixed instant read better. */
const t0 = Date.UTC(2026, 10, 1);
const URL_A = 'https://example.com/a';

/** The page the module reads: visibility, scroll position and sizes. */
const page = { hidden: false, scrollY: 0, height: documentHeight };

/** What the module sent: the fields of each engagement event, with the page URL. */
let sent: { url: string; fields: unknown }[];

/** A fresh copy of the module (its state is one page view's, kept in module variables). */
async function load() {
  vi.resetModules();
  vi.doMock('../../../tracker/src/send', () => ({
    send: (name: string, url: string, fields: unknown) => {
      expect(name).toBe('engagement');
      sent.push({ url, fields });
    },
  }));
  return import('../../../tracker/src/engagement');
}

/** Sets the clock and the page state, as at an activity signal. */
function at(ms: number, state: Partial<typeof page> = {}): void {
  vi.setSystemTime(t0 + ms);
  Object.assign(page, state);
}

/** The fields of the engagement event the next report sends, or undefined when it sends none. */
function report(engagement: { reportEngagement(url: string): void }) {
  const before = sent.length;
  engagement.reportEngagement(URL_A);
  return sent.length > before ? sent.at(-1)?.fields : undefined;
}

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  Object.assign(page, { hidden: false, scrollY: 0, height: documentHeight });
  vi.stubGlobal('document', {
    get hidden() {
      return page.hidden;
    },
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
  vi.doUnmock('../../../tracker/src/send');
  vi.useRealTimers();
  vi.unstubAllGlobals();
  Reflect.deleteProperty(globalThis, 'scrollY');
});

describe('engagement', () => {
  it('counts only the time the page was visible', async () => {
    const engagement = await load();
    at(1_000);
    engagement.startEngagement();
    at(4_000, { hidden: true }); // hidden after 3 s
    engagement.recordActivity();
    at(60_000, { hidden: false }); // back after a minute away
    engagement.recordActivity();
    at(62_000, { hidden: true });
    expect(report(engagement)).toMatchObject({ e: 5_000 });
  });

  it('does not count time on a page that loaded in the background', async () => {
    const engagement = await load();
    at(0, { hidden: true });
    engagement.startEngagement();
    at(30_000);
    expect(report(engagement)).toMatchObject({ e: 0 });
  });

  it('keeps the deepest scroll in percent of the document, at most 100', async () => {
    const engagement = await load();
    at(0);
    engagement.startEngagement();
    at(10, { scrollY: 1_200 }); // bottom of the viewport at 2000 of 4000
    engagement.recordActivity();
    at(20, { scrollY: 0 }); // scrolled back up
    engagement.recordActivity();
    expect(report(engagement)).toMatchObject({ sd: 50 });
    at(30, { scrollY: 3_500 }); // overscroll past the end
    engagement.recordActivity();
    expect(report(engagement)).toMatchObject({ sd: 100 });
  });

  it('reports 100 % for a page shorter than the viewport', async () => {
    const engagement = await load();
    at(0, { height: viewport / 2 });
    engagement.startEngagement();
    expect(report(engagement)).toMatchObject({ sd: 100 });
  });

  it('reports engaged time as increments, non-interactive, for the page it belongs to', async () => {
    const engagement = await load();
    at(0);
    engagement.startEngagement();
    at(2_000, { hidden: true });
    expect(report(engagement)).toEqual({ i: false, sd: 20, e: 2_000 });
    at(10_000, { hidden: false });
    engagement.recordActivity();
    at(11_000, { hidden: true });
    expect(report(engagement)).toEqual({ i: false, sd: 20, e: 1_000 });
    expect(sent.map((event) => event.url)).toEqual([URL_A, URL_A]);
  });

  it('sends nothing when neither time nor depth changed since the last report', async () => {
    const engagement = await load();
    at(0, { hidden: true });
    engagement.startEngagement();
    expect(report(engagement)).toBeDefined();
    at(100);
    expect(report(engagement)).toBeUndefined();
  });

  it('counts the open span up to the report when the page is still visible', async () => {
    const engagement = await load();
    at(0);
    engagement.startEngagement();
    at(1_500); // e.g. a scroll while visible
    engagement.recordActivity();
    at(4_000);
    expect(report(engagement)).toMatchObject({ e: 4_000 });
  });

  it('starts the next page view from zero after an SPA navigation', async () => {
    const engagement = await load();
    at(0);
    engagement.startEngagement();
    at(3_000, { scrollY: 3_200 });
    engagement.recordActivity();
    expect(report(engagement)).toEqual({ i: false, sd: 100, e: 3_000 });
    at(3_000, { scrollY: 0 });
    engagement.startEngagement();
    at(4_000);
    expect(report(engagement)).toEqual({ i: false, sd: 20, e: 1_000 });
  });
});
