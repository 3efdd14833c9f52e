/**
 * The Edgebear tracking script. Built by scripts/build-tracker.ts into the variants in public/
 * (FEATURE_* switches); docs/tracker.md is the user's manual. Decisions live in the small
 * modules next to this file; this one only wires them to the page, and is written with the
 * gzipped size in mind (see scripts/bench/tracker-size.ts): the modules read the page's globals
 * and keep their state in module variables, so everything inlines into one closure.
 */
import { linkEventName } from './clicks';
import { recordActivity, startEngagement, takeEngagement } from './engagement';
import { isExcluded } from './exclusion';
import { buildPayload, type EventOptions, type PayloadExtra } from './payload';
import { post } from './transport';
import { pageKey, pageUrl } from './url';
import { performanceValues, startVitals } from './vitals';

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

function start(): void {
  const script = document.currentScript as HTMLScriptElement;
  const data = script.dataset;
  const domain = data.domain || location.hostname;
  const api = data.api || new URL('/api/event', script.src).href;
  const hashMode = 'hash' in data;
  const canonical = 'canonical' in data;
  const allowLocal = 'local' in data;
  const respectDnt = 'respectDnt' in data;

  /** Path (+ fragment) of the last pageview, for de-duplication. */
  let lastKey: string | undefined;
  /** `u` of the last pageview: engagement is reported against the page it belongs to. */
  let currentUrl = '';

  const currentPageUrl = () =>
    pageUrl(
      canonical ? document.querySelector<HTMLLinkElement>('link[rel=canonical]')?.href : undefined,
      hashMode,
    );

  /** Sends one event unless excluded; the callback runs either way. Never throws into the page. */
  const send = (name: string, url: string, options: EventOptions = {}, extra?: PayloadExtra) => {
    const done = () => options.callback?.();
    try {
      if (isExcluded(allowLocal, respectDnt)) done();
      else post(api, JSON.stringify(buildPayload(name, url, domain, hashMode, options, extra)), done);
    } catch {
      // A blocked or missing API: analytics must never break the page.
    }
  };

  /** The public `edgebear(name, options)`. */
  const track = (name: string, options?: EventOptions) => send(name, currentPageUrl(), options);

  /** Sends the engagement of the page view that is ending or being hidden, if anything changed. */
  const reportEngagement = () => {
    const values = takeEngagement();
    if (values) send('engagement', currentUrl, {}, values);
  };

  /**
   * Sends a pageview unless the path (+ fragment in hash mode) is the one last counted; called on
   * load, pushState, replaceState, popstate, hashchange and a back/forward-cache restore.
   */
  const page = (event?: Event) => {
    const key = pageKey(hashMode);
    if (key !== lastKey || (event as PageTransitionEvent | undefined)?.persisted) {
      if (FEATURE_ENGAGEMENT) {
        if (lastKey) reportEngagement();
        startEngagement();
      }
      lastKey = key;
      currentUrl = currentPageUrl();
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
    for (const type of ['click', 'auxclick'])
      addEventListener(type, (event) => {
        const link = (event.target as Element).closest?.<HTMLAnchorElement>('a[href]');
        const name = link && (event as MouseEvent).button < 2 && linkEventName(link);
        if (name) track(name, { props: { url: (link as HTMLAnchorElement).href } });
      });
  }

  const queued = window.edgebear?.q || [];
  window.edgebear = track;
  page();
  for (const args of queued) track(...(args as unknown as [string, EventOptions]));

  if (FEATURE_ENGAGEMENT || FEATURE_PERFORMANCE) {
    // Last, because old browsers without PerformanceObserver throw here (caught below).
    // Once per page load, for the URL that was loaded: soft navigations have no vitals of their own.
    let landingUrl = FEATURE_PERFORMANCE && currentUrl;
    const flushVitals = FEATURE_PERFORMANCE && startVitals();
    if (FEATURE_ENGAGEMENT)
      for (const type of ['focus', 'blur', 'scroll']) addEventListener(type, recordActivity);
    // Fired on tab switch, minimising, navigating away and closing alike; pagehide is not needed.
    addEventListener('visibilitychange', () => {
      if (FEATURE_ENGAGEMENT) recordActivity();
      if (document.hidden) {
        if (FEATURE_ENGAGEMENT) reportEngagement();
        if (FEATURE_PERFORMANCE && landingUrl && flushVitals) {
          flushVitals();
          send('performance', landingUrl, {}, { i: false, v: performanceValues() });
          landingUrl = '';
        }
      }
    });
  }
}

try {
  start();
} catch {
  // An unexpected browser: stay silent rather than break the host page.
}
