/**
 * Engagement of one page view: the deepest scroll and the time the page was visible and
 * focused. Times are integer milliseconds (`Date.now()`), counted in spans: a span opens when
 * the page becomes active and closes when it is hidden or loses focus. State fields end in `_`
 * so the build may shorten them.
 */
export interface Engagement {
  /** Engaged milliseconds not yet reported. */
  ms_: number;
  /** When the open span started, or 0 while the page is not active (`Date.now()` is never 0). */
  since_: number;
  /** Deepest scroll seen on this page, in percent of the document height. */
  depth_: number;
  /** Depth in the last engagement event sent, -1 before the first. */
  sentDepth_: number;
}

export function newEngagement(active: boolean, now: number): Engagement {
  return { ms_: 0, since_: active ? now : 0, depth_: 0, sentDepth_: -1 };
}

/**
 * Records the page's state at an activity signal (load, focus, blur, scroll, visibility change):
 * closes the open engaged span and opens a new one if the page is `active` (visible and
 * focused), and keeps the deepest scroll: the bottom of the viewport over the document height,
 * in percent (`documentElement.scrollHeight` is never below the viewport height).
 */
export function recordActivity(
  state: Engagement,
  active: boolean,
  now: number,
  scrollTop: number,
  viewportHeight: number,
  documentHeight: number,
): void {
  if (state.since_) state.ms_ += now - state.since_;
  state.since_ = active ? now : 0;
  state.depth_ = Math.max(
    state.depth_,
    Math.min(100, Math.round(((scrollTop + viewportHeight) / documentHeight) * 100)),
  );
}

/**
 * Takes what is to be reported (call `recordActivity` first, so the open span is counted up to now): `e` the engaged ms since the last report (the server sums them
 * per page view), `sd` the deepest scroll so far (the server keeps the maximum) and `i: false`: engagement is not an interaction. Returns
 * `undefined` when neither changed, so hiding a page twice in a row sends one event.
 */
export function takeEngagement(state: Engagement): { i: false; sd: number; e: number } | undefined {
  const e = state.ms_;
  if (!e && state.depth_ <= state.sentDepth_) return undefined;
  state.ms_ = 0;
  state.sentDepth_ = state.depth_;
  return { i: false, sd: state.depth_, e };
}
