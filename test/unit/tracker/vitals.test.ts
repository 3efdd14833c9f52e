import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NavigationTiming, VitalEntry } from '../../../tracker/src/vitals';

const shift = (startTime: number, value: number, hadRecentInput = false): VitalEntry => ({
  entryType: 'layout-shift',
  startTime,
  duration: 0,
  value,
  hadRecentInput,
});
const lcp = (startTime: number): VitalEntry => ({
  entryType: 'largest-contentful-paint',
  startTime,
  duration: 0,
});

const nav: NavigationTiming = {
  domainLookupStart: 5,
  domainLookupEnd: 25.4,
  connectStart: 25.4,
  connectEnd: 80.6,
  responseStart: 210.2,
  domInteractive: 640.7,
  loadEventEnd: 1_480.2,
};

/**
 * A fresh copy of the module (its state is one page load's) on a stubbed `performance` with the
 * given navigation entry and FCP; `layoutShifts` says whether the browser can observe them.
 */
async function load(navigation: NavigationTiming | null = nav, fcp?: number, layoutShifts = true) {
  vi.resetModules();
  vi.stubGlobal('performance', {
    // The test runner times its own work with performance.now().
    now: realNow,
    getEntriesByType: () => (navigation ? [navigation] : []),
    getEntriesByName: () => (fcp === undefined ? [] : [{ startTime: fcp }]),
  });
  const observed: string[] = [];
  class FakeObserver {
    // Chromium's list, in its order; without layout shifts, roughly Firefox's.
    static supportedEntryTypes = [
      'element',
      'event',
      'first-input',
      'largest-contentful-paint',
      ...(layoutShifts ? ['layout-shift'] : []),
      'long-animation-frame',
      'longtask',
      'mark',
      'measure',
      'navigation',
      'paint',
      'resource',
      'visibility-state',
    ];
    observe(options: { type: string; buffered?: boolean }) {
      expect(options.buffered).toBe(true);
      observed.push(options.type);
    }
    takeRecords() {
      return undelivered.splice(0);
    }
  }
  vi.stubGlobal('PerformanceObserver', FakeObserver);
  const vitals = await import('../../../tracker/src/vitals');
  vitals.startVitals();
  return { ...vitals, observed };
}

const realNow = performance.now.bind(performance);

/** Entries the browser has recorded but the observer has not delivered yet (`takeRecords`). */
let undelivered: VitalEntry[] = [];

/** What the server receives: NaN becomes null, undefined disappears. */
const wire = (values: unknown) => JSON.parse(JSON.stringify(values));

afterEach(() => {
  undelivered = [];
  vi.unstubAllGlobals();
});

describe('observing', () => {
  it('observes the three vitals entry types, from the buffer, and only those', async () => {
    const { observed } = await load();
    expect(observed.sort()).toEqual(['event', 'largest-contentful-paint', 'layout-shift']);
  });

  it('observes only the entry types the browser supports', async () => {
    const { observed } = await load(nav, undefined, false);
    expect(observed.sort()).toEqual(['event', 'largest-contentful-paint']);
  });

  it('includes the entries the observer has not delivered yet when the page is hidden', async () => {
    const { takePerformance } = await load();
    undelivered = [lcp(700), shift(800, 0.1)];
    expect(takePerformance()).toMatchObject({ lcp: 700, cls: 0.1 });
    expect(undelivered).toEqual([]);
  });
});

describe('CLS', () => {
  it('sums the layout shifts of the page load', async () => {
    const { recordEntry, takePerformance } = await load();
    for (const entry of [shift(100, 0.1), shift(900, 0.05), shift(6_000, 0.05)]) recordEntry(entry);
    expect(takePerformance().cls).toBeCloseTo(0.2);
  });

  it('ignores shifts right after user input', async () => {
    const { recordEntry, takePerformance } = await load();
    recordEntry(shift(100, 0.3, true));
    expect(takePerformance().cls).toBe(0);
  });

  it('reports 0 where layout shifts are observable but none happened, nothing where they are not', async () => {
    expect((await load()).takePerformance().cls).toBe(0);
    expect(wire((await load(nav, undefined, false)).takePerformance())).not.toHaveProperty('cls');
  });
});

describe('LCP and INP', () => {
  it('takes the last largest-contentful-paint candidate', async () => {
    const { recordEntry, takePerformance } = await load();
    recordEntry(lcp(400));
    recordEntry(lcp(1_250.6));
    expect(takePerformance().lcp).toBe(1_250.6);
  });

  it('takes the longest interaction and ignores events outside interactions', async () => {
    const { recordEntry, takePerformance } = await load();
    recordEntry({ entryType: 'event', startTime: 10, duration: 48, interactionId: 7 });
    recordEntry({ entryType: 'event', startTime: 20, duration: 200, interactionId: 8 });
    recordEntry({ entryType: 'event', startTime: 30, duration: 500, interactionId: 0 }); // mouseover
    expect(takePerformance().inp).toBe(200);
  });

  it('leaves INP and LCP out when there was no interaction or no candidate', async () => {
    const values = wire((await load()).takePerformance());
    expect(values.inp).toBeUndefined();
    expect(values.lcp ?? null).toBeNull();
  });
});

describe('takePerformance', () => {
  it('breaks navigation timing down (the server rounds to whole milliseconds)', async () => {
    const values = (await load(nav, 512.3)).takePerformance();
    expect(values).toMatchObject({ fcp: 512.3, ttfb: 210.2, dom: 640.7, load: 1_480.2 });
    expect(values.dns).toBeCloseTo(20.4);
    expect(values.conn).toBeCloseTo(55.2);
  });

  it('sends load as null (absent to the server) when the page was left before its load event', async () => {
    expect(wire((await load({ ...nav, loadEventEnd: 0 })).takePerformance()).load).toBeNull();
  });

  it('measures a prerendered page from its activation', async () => {
    const { recordEntry, takePerformance } = await load({ ...nav, activationStart: 2_000 }, 250);
    recordEntry(lcp(2_300));
    expect(takePerformance()).toMatchObject({ ttfb: 0, fcp: 0, lcp: 300 });
  });

  it('sends only what was measured when the browser has no navigation entry', async () => {
    const { recordEntry, takePerformance } = await load(null, undefined, false);
    recordEntry(lcp(900));
    const sent = Object.fromEntries(Object.entries(wire(takePerformance())).filter(([, v]) => v !== null));
    expect(sent).toEqual({ lcp: 900 });
  });
});
