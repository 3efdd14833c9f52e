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

let lcp: number | undefined;
let inp: number | undefined;
/** 0 from the start where layout shifts are observable (`startVitals`); else absent, not "no shift". */
let cls: number | undefined;
let observer: PerformanceObserver;

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

/** Starts observing, from the entries buffered before the script ran. */
export function startVitals(): void {
  observer = new PerformanceObserver((list) => list.getEntries().map(recordEntry));
  PerformanceObserver.supportedEntryTypes.map(observeType);
}

/**
 * Observes `type` if it is one of the vitals' entry types: `event`, `largest-contentful-paint`
 * or `layout-shift`, matched with a pattern (no other type starts with "event" or "la") over the
 * browser's `supportedEntryTypes`. Matching rather than naming the three saves their names in
 * the script, and observes only what the browser supports, so it logs no warnings.
 */
function observeType(type: string): void {
  if (/^(event|la)/.test(type)) {
    // durationThreshold (Event Timing) is missing from TypeScript's DOM types.
    observer.observe({ type, buffered: true, durationThreshold: 16 } as PerformanceObserverInit);
    if (type === 'layout-shift') cls = 0;
  }
}

export function recordEntry(e: VitalEntry): void {
  if (e.interactionId) inp = Math.max(inp || 0, e.duration);
  // Only layout-shift entries have hadRecentInput; comparing with `false` leaves the others out.
  else if (e.hadRecentInput === false) cls = (cls as number) + (e.value as number);
  // The remaining observed type starting with "l": largest-contentful-paint.
  else if (e.entryType[0] === 'l') lcp = e.startTime;
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
 * The `v` object of a performance event, in milliseconds (CLS unitless), from the entries
 * recorded so far (including those the observer has not delivered yet) and `performance`.
 * Values not measured are `undefined` (left out of the JSON) or `NaN` (sent as `null`).
 *
 * - ttfb: `responseStart − activationStart` (redirects, DNS, connect and server time)
 * - dns: `domainLookupEnd − domainLookupStart`; conn: `connectEnd − connectStart` (incl. TLS)
 * - dom: `domInteractive`; load: `loadEventEnd` (`NaN`, absent, if the page was left before load)
 */
export function takePerformance(): Record<string, number | undefined> {
  observer.takeRecords().map(recordEntry);
  // Where the navigation entry is missing every timing reads as undefined or NaN.
  const nav = (performance.getEntriesByType('navigation')[0] || {}) as NavigationTiming;
  // Math.max(0, NaN) is NaN: what was not measured stays unmeasured.
  const fromActivation = (t?: number) => Math.max(0, (t as number) - (nav.activationStart || 0));
  return {
    lcp: fromActivation(lcp),
    inp,
    cls,
    fcp: fromActivation(performance.getEntriesByName('first-contentful-paint')[0]?.startTime),
    ttfb: fromActivation(nav.responseStart),
    dns: nav.domainLookupEnd - nav.domainLookupStart,
    conn: nav.connectEnd - nav.connectStart,
    dom: nav.domInteractive,
    load: nav.loadEventEnd || Number.NaN,
  };
}
