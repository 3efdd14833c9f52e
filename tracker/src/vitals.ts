/**
 * Web vitals and navigation timing from `PerformanceObserver` entries, without a library.
 * Written for size: the server rounds and validates every value (workers/ingest/payload/
 * measurements.ts), so the client sends raw numbers, and `NaN` (not measured) becomes `null` in
 * JSON, which the server treats as absent. The state is this module's own: one page load.
 *
 * - LCP: start time of the last `largest-contentful-paint` entry (the browser stops emitting
 *   them after the first input).
 * - INP: approximated as the longest interaction (`event` entries with an interactionId,
 *   observed with the smallest allowed durationThreshold, 16 ms). Real INP is the 98th
 *   percentile of interactions, which is the longest one on pages with fewer than 50
 *   interactions — nearly all page views. Absent when there was no interaction.
 * - CLS: the sum of the layout shifts without recent input. web.dev's CLS is the largest
 *   "session window" of shifts (< 1 s apart, window ≤ 5 s); the sum equals it whenever all
 *   shifts fall in one window — the usual case, shifts during load — and is never smaller.
 *   The windows cost bytes the size budget does not have (docs/tracker.md).
 * - FCP: the `first-contentful-paint` paint entry (read at report time).
 * LCP, FCP and TTFB count from activation, so prerendered pages are not penalised.
 */

/** The entry types observed, all in one observer. */
export const VITAL_ENTRY_TYPES = ['largest-contentful-paint', 'event', 'layout-shift'];

let lcp: number | undefined;
let inp: number | undefined;
/** 0 from the start where layout shifts are observable (`startVitals`); else absent, not "no shift". */
let cls: number | undefined;

/** The fields of the observed `PerformanceEntry` subtypes that `recordEntry` reads. */
export interface VitalEntry {
  entryType: string;
  startTime: number;
  duration: number;
  /** layout-shift */
  value?: number;
  hadRecentInput?: boolean;
  /** event: 0 for events that are not part of an interaction (mouseover, scroll…). */
  interactionId?: number;
}

/** Starts the observer; returns a function that takes what it has not delivered yet. */
export function startVitals(): () => void {
  const supported = PerformanceObserver.supportedEntryTypes;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) recordEntry(entry);
  });
  for (const type of VITAL_ENTRY_TYPES) {
    if (supported.includes(type)) {
      // durationThreshold (Event Timing) is missing from TypeScript's DOM types.
      observer.observe({ type, buffered: true, durationThreshold: 16 } as PerformanceObserverInit);
      if (type === 'layout-shift') cls = 0;
    }
  }
  return () => {
    for (const entry of observer.takeRecords()) recordEntry(entry);
  };
}

export function recordEntry(entry: VitalEntry | PerformanceEntry): void {
  const e = entry as VitalEntry;
  if (e.interactionId) inp = Math.max(inp || 0, e.duration);
  // Only layout-shift entries have hadRecentInput; comparing with `false` leaves the others out.
  else if (e.hadRecentInput === false) cls = (cls || 0) + (e.value || 0);
  else if (e.entryType === VITAL_ENTRY_TYPES[0]) lcp = e.startTime;
}

/** The fields of `PerformanceNavigationTiming` the breakdown reads (times from the time origin). */
export interface NavigationTiming {
  domainLookupStart: number;
  domainLookupEnd: number;
  connectEnd: number;
  connectStart: number;
  responseStart: number;
  domInteractive: number;
  loadEventEnd: number;
  /** Chromium: when a prerendered page was shown. */
  activationStart?: number;
}

/**
 * The `v` object of a performance event, in milliseconds (CLS unitless), read from the recorded
 * entries and `performance`. Values not measured are `undefined` (left out of the JSON) or `NaN`
 * (sent as `null`).
 *
 * - ttfb: `responseStart − activationStart` (redirects, DNS, connect and server time)
 * - dns: `domainLookupEnd − domainLookupStart`; conn: `connectEnd − connectStart` (incl. TLS)
 * - dom: `domInteractive`; load: `loadEventEnd` (absent if the page was left before load)
 */
export function performanceValues(): Record<string, number | undefined> {
  // Where the navigation entry is missing every timing reads as undefined or NaN.
  const nav = (performance.getEntriesByType('navigation')[0] || {}) as NavigationTiming;
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  // Math.max(0, NaN) is NaN: what was not measured stays unmeasured.
  const fromActivation = (t?: number) => Math.max(0, (t as number) - (nav.activationStart || 0));
  return {
    lcp: fromActivation(lcp),
    inp,
    cls,
    fcp: fromActivation(fcp?.startTime),
    ttfb: fromActivation(nav.responseStart),
    dns: nav.domainLookupEnd - nav.domainLookupStart,
    conn: nav.connectEnd - nav.connectStart,
    dom: nav.domInteractive,
    load: nav.loadEventEnd || undefined,
  };
}
