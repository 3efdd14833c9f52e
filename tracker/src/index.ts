/**
 * The Edgebear tracking script. Built by scripts/build-tracker.ts into public/script.js (core)
 * and public/script.full.js (FEATURE_* switches on); docs/tracker.md is the user's manual.
 * Decisions live in the small modules next to this file; this one only wires them to the page,
 * and is written with the gzipped size in mind (see scripts/bench/tracker-size.ts).
 */
import { linkEventName } from './clicks';
import { type Engagement, newEngagement, recordActivity, takeEngagement } from './engagement';
import { isExcluded } from './exclusion';
import { buildPayload, type EventOptions, type Payload } from './payload';
import { post } from './transport';
import { pageKey, pageUrl } from './url';
import { newVitals, performanceValues, recordEntry, VITAL_ENTRY_TYPES, type VitalEntry } from './vitals';

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

  const currentPageUrl = () => {
    const link = canonical && document.querySelector<HTMLLinkElement>('link[rel=canonical]');
    return pageUrl(location, link ? link.href : undefined, hashMode);
  };

  /** Sends one event unless excluded; the callback runs either way. Never throws into the page. */
  function send(name: string, url: string, options: EventOptions = {}, extra?: Partial<Payload>): void {
    const done = () => options.callback?.();
    let optedOut: string | null | undefined;
    try {
      optedOut = localStorage.edgebear_ignore;
    } catch {
      // Storage blocked: there cannot be an opt-out flag either.
    }
    try {
      if (isExcluded(location, navigator, optedOut, allowLocal, respectDnt)) done();
      else {
        const payload = buildPayload(
          name,
          url,
          domain,
          document.referrer,
          innerWidth,
          hashMode,
          options,
          extra,
        );
        post(api, JSON.stringify(payload), done);
      }
    } catch {
      // A blocked or missing API: analytics must never break the page.
    }
  }

  /** The public `edgebear(name, options)`. */
  const track = (name: string, options?: EventOptions) => send(name, currentPageUrl(), options);

  const isActive = () => !document.hidden && document.hasFocus();
  let engagement: Engagement;
  const onActivity = () =>
    recordActivity(
      engagement,
      isActive(),
      Date.now(),
      scrollY,
      innerHeight,
      document.documentElement.scrollHeight,
    );
  const reportEngagement = () => {
    onActivity();
    const values = takeEngagement(engagement);
    if (values) send('engagement', currentUrl, {}, values);
  };

  /**
   * Sends a pageview unless the path (+ fragment in hash mode) is the one last counted; called on
   * load, pushState, replaceState, popstate, hashchange and a back/forward-cache restore.
   */
  function page(event?: Event): void {
    const key = pageKey(location, hashMode);
    if (key === lastKey && !(event && (event as PageTransitionEvent).persisted)) return;
    if (FEATURE_ENGAGEMENT) {
      if (lastKey !== undefined) reportEngagement();
      engagement = newEngagement(isActive(), Date.now());
    }
    lastKey = key;
    currentUrl = currentPageUrl();
    send('pageview', currentUrl);
  }

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
    const onClick = (event: MouseEvent) => {
      const target = event.target as Element;
      const link = target.closest?.<HTMLAnchorElement>('a[href]');
      const name = link && event.button < 2 && linkEventName(link, location.host);
      if (name) track(name, { props: { url: (link as HTMLAnchorElement).href } });
    };
    for (const type of ['click', 'auxclick']) document.addEventListener(type, onClick as EventListener);
  }

  const queued = window.edgebear?.q || [];
  window.edgebear = track;
  page();
  for (const args of queued) track.apply(null, args as unknown as [string, EventOptions]);

  // Last, because old browsers without PerformanceObserver throw here (caught below).
  let reportPerformance = () => {};
  if (FEATURE_PERFORMANCE) {
    const supported = PerformanceObserver.supportedEntryTypes;
    const vitals = newVitals(supported.includes('layout-shift'));
    const record = (entries: PerformanceEntryList) => {
      for (const entry of entries) recordEntry(vitals, entry as unknown as VitalEntry);
    };
    const observer = new PerformanceObserver((list) => record(list.getEntries()));
    for (const type of VITAL_ENTRY_TYPES) {
      // durationThreshold (Event Timing) is missing from TypeScript's DOM types.
      if (supported.includes(type))
        observer.observe({ type, buffered: true, durationThreshold: 16 } as PerformanceObserverInit);
    }
    // Once per page load, for the URL that was loaded: soft navigations have no vitals of their own.
    let landingUrl = currentUrl;
    reportPerformance = () => {
      if (!landingUrl) return;
      record(observer.takeRecords());
      send('performance', landingUrl, {}, { i: false, v: performanceValues(vitals, performance) });
      landingUrl = '';
    };
  }

  if (FEATURE_ENGAGEMENT || FEATURE_PERFORMANCE) {
    if (FEATURE_ENGAGEMENT)
      for (const type of ['focus', 'blur', 'scroll']) addEventListener(type, onActivity);
    // Fired on tab switch, minimising, navigating away and closing alike; pagehide is not needed.
    document.addEventListener('visibilitychange', () => {
      if (FEATURE_ENGAGEMENT) onActivity();
      if (document.hidden) {
        if (FEATURE_ENGAGEMENT) reportEngagement();
        reportPerformance();
      }
    });
  }
}

try {
  start();
} catch {
  // An unexpected browser: stay silent rather than break the host page.
}
