/**
 * Engagement of the current page view: the deepest scroll and the time the page was visible and
 * focused. Times are integer milliseconds (`Date.now()`), counted in spans: a span opens when the
 * page becomes active and closes when it is hidden or loses focus.
 *
 * The state is this module's own (one page view at a time; `startEngagement` begins the next),
 * and the functions read the page's globals directly: in the built script that inlines to a few
 * closure variables, the smallest form there is.
 */

/** Engaged milliseconds not yet reported. */
let engagedMs = 0;
/** When the open span started, or 0 while the page is not active (`Date.now()` is never 0). */
let since = 0;
/** Deepest scroll seen on this page view, in percent of the document height. */
let depth = 0;
/** Depth in the last engagement event sent, -1 before the first. */
let sentDepth = -1;

/** Begins a new page view (a load or an SPA navigation). */
export function startEngagement(): void {
  engagedMs = depth = 0;
  sentDepth = -1;
  recordActivity();
}

/**
 * Records the page's state at an activity signal (load, focus, blur, scroll, visibility change):
 * closes the open engaged span, opens a new one if the page is active (visible and focused), and
 * keeps the deepest scroll: the bottom of the viewport over the document height, in percent. The
 * server rounds it; the cap guards against overscroll.
 */
export function recordActivity(): void {
  const now = Date.now();
  if (since) engagedMs += now - since;
  since = !document.hidden && document.hasFocus() ? now : 0;
  depth = Math.max(
    depth,
    Math.min(100, ((scrollY + innerHeight) / document.documentElement.scrollHeight) * 100),
  );
}

/**
 * Takes what is to be reported, counting the open span up to now: `e` the engaged ms since the
 * last report (the server sums them per page view), `sd` the deepest scroll so far (the server
 * keeps the maximum) and `i: false`: engagement is not an interaction. Returns `undefined` when
 * neither changed, so hiding a page twice in a row sends one event.
 */
export function takeEngagement(): { i: false; sd: number; e: number } | undefined {
  recordActivity();
  const e = engagedMs;
  if (e || depth > sentDepth) {
    engagedMs = 0;
    sentDepth = depth;
    return { i: false, sd: depth, e };
  }
}
