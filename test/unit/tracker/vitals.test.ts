import { describe, expect, it } from 'vitest';
import {
  type NavigationTiming,
  newVitals,
  type PerformanceTimeline,
  performanceValues,
  recordEntry,
  type VitalEntry,
} from '../../../tracker/src/vitals';

const shift = (startTime: number, value: number, hadRecentInput = false): VitalEntry => ({
  entryType: 'layout-shift',
  startTime,
  duration: 0,
  value,
  hadRecentInput,
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

function timeline(navigation: NavigationTiming | undefined, fcp?: number): PerformanceTimeline {
  return {
    getEntriesByType: () => (navigation ? [navigation] : []),
    getEntriesByName: () => (fcp === undefined ? [] : [{ startTime: fcp }]),
  };
}

describe('CLS session windows', () => {
  it('adds shifts less than 1 s apart into one window', () => {
    const state = newVitals(true);
    for (const entry of [shift(100, 0.1), shift(900, 0.05), shift(1_700, 0.05)]) recordEntry(state, entry);
    expect(state.cls_).toBeCloseTo(0.2);
  });

  it('reports the largest window, not the sum of all shifts', () => {
    const state = newVitals(true);
    for (const entry of [shift(0, 0.1), shift(500, 0.1), shift(3_000, 0.05), shift(6_000, 0.15)]) {
      recordEntry(state, entry);
    }
    expect(state.cls_).toBeCloseTo(0.2);
  });

  it('closes a window after 5 s even when shifts keep coming', () => {
    const state = newVitals(true);
    for (let t = 0; t <= 6_000; t += 500) recordEntry(state, shift(t, 0.01));
    // 0…4500 ms is one window of 10 shifts; 5000 ms starts a new one.
    expect(state.cls_).toBeCloseTo(0.1);
  });

  it('ignores shifts right after user input', () => {
    const state = newVitals(true);
    recordEntry(state, shift(100, 0.3, true));
    expect(state.cls_).toBe(0);
  });

  it('reports 0 where layout shifts are observable but none happened, nothing where they are not', () => {
    expect(performanceValues(newVitals(true), timeline(nav)).cls).toBe(0);
    expect(performanceValues(newVitals(false), timeline(nav)).cls).toBeUndefined();
  });
});

describe('LCP and INP', () => {
  it('takes the last largest-contentful-paint candidate', () => {
    const state = newVitals(true);
    recordEntry(state, { entryType: 'largest-contentful-paint', startTime: 400, duration: 0 });
    recordEntry(state, { entryType: 'largest-contentful-paint', startTime: 1_250.6, duration: 0 });
    expect(performanceValues(state, timeline(nav)).lcp).toBe(1_251);
  });

  it('takes the longest interaction and ignores events outside interactions', () => {
    const state = newVitals(true);
    recordEntry(state, { entryType: 'event', startTime: 10, duration: 48, interactionId: 7 });
    recordEntry(state, { entryType: 'event', startTime: 20, duration: 200, interactionId: 8 });
    recordEntry(state, { entryType: 'event', startTime: 30, duration: 500, interactionId: 0 }); // mouseover
    expect(performanceValues(state, timeline(nav)).inp).toBe(200);
  });

  it('leaves INP out when there was no interaction', () => {
    expect(performanceValues(newVitals(true), timeline(nav))).not.toHaveProperty('inp', expect.anything());
  });
});

describe('performanceValues', () => {
  it('breaks navigation timing down into whole milliseconds', () => {
    expect(performanceValues(newVitals(true), timeline(nav, 512.3))).toMatchObject({
      fcp: 512,
      ttfb: 210,
      dns: 20,
      conn: 55,
      dom: 641,
      load: 1_480,
    });
  });

  it('leaves load out when the page was left before its load event', () => {
    const values = performanceValues(newVitals(true), timeline({ ...nav, loadEventEnd: 0 }));
    expect(JSON.parse(JSON.stringify(values))).not.toHaveProperty('load');
  });

  it('measures a prerendered page from its activation', () => {
    const state = newVitals(true);
    recordEntry(state, { entryType: 'largest-contentful-paint', startTime: 300, duration: 0 });
    const values = performanceValues(state, timeline({ ...nav, activationStart: 2_000 }, 250));
    expect(values).toMatchObject({ ttfb: 0, fcp: 0, lcp: 0 });
  });

  it('sends only what was measured when the browser has no navigation entry', () => {
    const state = newVitals(false);
    recordEntry(state, { entryType: 'largest-contentful-paint', startTime: 900, duration: 0 });
    expect(JSON.parse(JSON.stringify(performanceValues(state, timeline(undefined))))).toEqual({ lcp: 900 });
  });

  it('rounds CLS to four decimals', () => {
    const state = newVitals(true);
    recordEntry(state, shift(0, 0.123456));
    expect(performanceValues(state, timeline(nav)).cls).toBe(0.1235);
  });
});
