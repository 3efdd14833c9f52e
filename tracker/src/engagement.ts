import { send } from './send';

/**
 * Engagement of the current page view: the deepest scroll and the time the page was visible.
 * Times are integer milliseconds (`Date.now()`), counted in spans: a span opens when the page
 * becomes visible and closes when it is hidden.
 *
 * The state is this module's own (one page view at a time; `startEngagement` begins the next),
 * and the functions read the page's globals directly: in the built script that inlines to a few
 * closure variables, the smallest form there is.
 */

/** Engaged milliseconds not yet reported. */
let engagedMs: number;
/** When the open span started; 0 (or not yet set) while the page is hidden. */
let since: number;
/** Deepest scroll seen on this page view, in percent of the document height. */
let depth: number;
/**
 * Depth in the last engagement event sent, 0 before the first: the depth of a page is never 0
 * (the viewport has a height), so the first report always goes out.
 */
let sentDepth: number;

/** Begins a new page view (a load or an SPA navigation). */
export function startEngagement(): void {
  engagedMs = depth = sentDepth = 0;
  recordActivity();
}

/**
 * Records the page's state at an activity signal (load, scroll, visibility change): closes the
 * open span, opens a new one if the page is visible, and keeps the deepest scroll: the bottom of
 * the viewport over the document height, in percent. The server rounds it; the cap guards
 * against overscroll (the server refuses more than 100).
 */
export function recordActivity(): void {
  // Two clock reads rather than a variable: the few microseconds between them do not matter,
  // and the expression-only body inlines better.
  if (since) engagedMs += Date.now() - since;
  since = document.hidden ? 0 : Date.now();
  depth = Math.max(
    depth,
    Math.min(100, ((scrollY + innerHeight) / document.documentElement.scrollHeight) * 100),
  );
}

/**
 * Sends the engagement of the page view at `url`, counting the open span up to now: `e` the
 * engaged ms since the last report (the server sums them per page view), `sd` the deepest scroll
 * so far (the server keeps the maximum) and `i: false`: engagement is not an interaction. Sends
 * nothing when neither changed, so hiding a page twice in a row sends one event.
 */
export function reportEngagement(url: string): void {
  recordActivity();
  if (engagedMs || depth > sentDepth) {
    send('engagement', url, { i: false, sd: depth, e: engagedMs });
    sentDepth = depth;
    engagedMs = 0;
  }
}
