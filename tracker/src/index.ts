/**
 * The Edgebear tracking script. Built by scripts/build-tracker.ts into the variants in public/
 * (FEATURE_* switches); docs/tracker.md is the user's manual. Decisions live in the small
 * modules next to this file; this one only wires them to the page, and is written with the
 * gzipped size in mind (see scripts/bench/tracker-size.ts): the modules read the page's globals
 * and the options, and keep their state in module variables, so everything inlines into one
 * closure. The build wraps the whole script in try/catch: an unexpected browser (no
 * `PerformanceObserver`, no `currentScript`…) leaves it silent rather than breaking the page.
 */
import { trackLinkClick } from './clicks';
import { recordActivity, reportEngagement, startEngagement } from './engagement';
import { type EventOptions, send, track } from './send';

import { pageKey, pageUrl } from './url';
import { startVitals, takePerformance } from './vitals';

/** `window.edgebear`: the stub's queue (`q`) until the script has loaded. */
interface Edgebear {
  (name: string, options?: EventOptions): void;
  q?: IArguments[];
}

declare global {
  interface Window {
    edgebear?: Edgebear;
  }
}

/** Path (+ fragment) of the last pageview, for de-duplication. */
let lastKey: string | undefined;
/** `u` of the last pageview: engagement is reported against the page it belongs to. */
let currentUrl!: string;
/** `u` of the page load until its performance event is sent: soft navigations have no vitals of their own. */
let landingUrl: string;

/**
 * Sends a pageview unless the path (+ fragment in hash mode) is the one last counted; called on
 * load, pushState, replaceState, popstate, hashchange and a back/forward-cache restore.
 */
const page = (event?: Event) => {
  const key = pageKey();
  if (key !== lastKey || (event as PageTransitionEvent | undefined)?.persisted) {
    if (FEATURE_ENGAGEMENT) {
      if (lastKey) reportEngagement(currentUrl);
      startEngagement();
    }
    lastKey = key;
    currentUrl = pageUrl();
    send('pageview', currentUrl);
  }
};

for (const method of ['pushState', 'replaceState'] as const) {
  const original = history[method];
  history[method] = function patched(this: History, ...args: Parameters<History['pushState']>) {
    original.apply(this, args);
    page();
  };
}
// hashchange is harmless without hash mode: the path did not change, so it is de-duplicated.
for (const type of ['popstate', 'hashchange', 'pageshow']) addEventListener(type, page);

if (FEATURE_CLICKS) {
  // auxclick: a middle-click opens the link too.
  for (const type of ['click', 'auxclick']) addEventListener(type, trackLinkClick as EventListener);
}

const queued = window.edgebear?.q;
window.edgebear = track;
page();
queued?.map((args) => track(...(args as unknown as [string, EventOptions])));

if (FEATURE_ENGAGEMENT || FEATURE_PERFORMANCE) {
  if (FEATURE_ENGAGEMENT) addEventListener('scroll', recordActivity);
  // Fired on tab switch, minimising, navigating away and closing alike; pagehide is not needed.
  addEventListener('visibilitychange', () => {
    if (FEATURE_ENGAGEMENT) recordActivity();
    if (document.hidden) {
      if (FEATURE_ENGAGEMENT) reportEngagement(currentUrl);
      if (FEATURE_PERFORMANCE && landingUrl) {
        send('performance', landingUrl, { i: false, v: takePerformance() });
        landingUrl = '';
      }
    }
  });
  // Last, because a browser without PerformanceObserver throws here (caught by the build's try):
  // then landingUrl stays unset and the hide handler never reads the vitals.
  if (FEATURE_PERFORMANCE) {
    startVitals();
    landingUrl = currentUrl;
  }
}
