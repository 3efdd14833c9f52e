/**
 * Web vitals and navigation timing from `PerformanceObserver` entries, without a library.
 * State fields end in `_` so the build may shorten them.
 *
 * - LCP: start time of the last `largest-contentful-paint` entry (the browser stops emitting
 *   them after the first input).
 * - INP: approximated as the longest interaction (`event` entries with an interactionId,
 *   observed with the smallest allowed durationThreshold, 16 ms). Real INP is the 98th
 *   percentile of interactions, which is the longest one on pages with fewer than 50
 *   interactions — nearly all page views. Absent when there was no interaction.
 * - CLS: the largest session window of layout shifts (shifts less than 1 s apart, the window
 *   at most 5 s long, shifts right after input excluded), as defined on web.dev.
 * - FCP: the `first-contentful-paint` paint entry (read at report time).
 * LCP, FCP and TTFB count from activation, so prerendered pages are not penalised.
 */
export interface Vitals {
  lcp_?: number;
  inp_?: number;
  /** CLS; 0 from the start where layout shifts are observable, else undefined. */
  cls_?: number;
  /** Sum of the current layout-shift session window. */
  window_: number;
  /** Start times of the current window's first and latest shift. */
  first_: number;
  last_: number;
}

/** The entry types observed, all in one observer. */
export const VITAL_ENTRY_TYPES = ['largest-contentful-paint', 'event', 'layout-shift'];

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

export function newVitals(layoutShiftObservable: boolean): Vitals {
  return { cls_: layoutShiftObservable ? 0 : undefined, window_: 0, first_: 0, last_: 0 };
}

export function recordEntry(state: Vitals, entry: VitalEntry): void {
  const t = entry.startTime;
  if (entry.entryType === 'layout-shift') {
    if (entry.hadRecentInput) return;
    if (state.window_ && t - state.last_ < 1000 && t - state.first_ < 5000) state.window_ += entry.value || 0;
    else {
      state.window_ = entry.value || 0;
      state.first_ = t;
    }
    state.last_ = t;
    state.cls_ = Math.max(state.cls_ || 0, state.window_);
  } else if (entry.interactionId) state.inp_ = Math.max(state.inp_ || 0, entry.duration);
  else if (entry.entryType === 'largest-contentful-paint') state.lcp_ = t;
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

/** The two look-ups of `window.performance` that `performanceValues` makes. */
export interface PerformanceTimeline {
  getEntriesByType(type: 'navigation'): unknown[];
  getEntriesByName(name: 'first-contentful-paint'): { startTime: number }[];
}

/** Whole milliseconds; `undefined` (left out of the JSON) for anything not measured (NaN). */
const ms = (t: number) => (t >= 0 ? Math.round(t) : undefined);

/**
 * The `v` object of a performance event: whole milliseconds, CLS to 4 decimals, unmeasured
 * values left out.
 *
 * - ttfb: `responseStart − activationStart` (redirects, DNS, connect and server time)
 * - dns: `domainLookupEnd − domainLookupStart`; conn: `connectEnd − connectStart` (incl. TLS)
 * - dom: `domInteractive`; load: `loadEventEnd` (absent if the page was left before load)
 */
export function performanceValues(
  state: Vitals,
  timeline: PerformanceTimeline,
): Record<string, number | undefined> {
  // Where the navigation entry is missing every field reads as NaN and is left out.
  const nav = (timeline.getEntriesByType('navigation')[0] || {}) as NavigationTiming;
  const fcp = timeline.getEntriesByName('first-contentful-paint')[0];
  const since = nav.activationStart || 0;
  const fromActivation = (t: number) => ms(Math.max(0, t - since));
  return {
    lcp: fromActivation(state.lcp_ as number),
    inp: ms(state.inp_ as number),
    cls: (state.cls_ as number) >= 0 ? Math.round((state.cls_ as number) * 1e4) / 1e4 : undefined,
    fcp: fromActivation(fcp ? fcp.startTime : Number.NaN),
    ttfb: fromActivation(nav.responseStart),
    dns: ms(nav.domainLookupEnd - nav.domainLookupStart),
    conn: ms(nav.connectEnd - nav.connectStart),
    dom: ms(nav.domInteractive),
    load: ms(nav.loadEventEnd || Number.NaN),
  };
}
