import { allowLocal, api, domain, hashMode, respectDnt } from './options';
import { pageUrl } from './url';

/**
 * Options of `edgebear(name, options)`. They travel as they are, under Plausible's long keys
 * (`props`, `revenue`, `interactive`), which the server accepts beside the short ones; the server
 * validates and caps them (see workers/ingest/payload/types.ts for the wire format).
 */
export interface EventOptions {
  props?: Record<string, string | number | boolean>;
  revenue?: { currency: string; amount: number | string };
  /** Called (without arguments) once the event was handed to the network, or dropped. */
  callback?: () => void;
  /** `false` for events that must not end a bounce (e.g. an autoplaying video). */
  interactive?: boolean;
}

/** What engagement and performance events add to the body; `i: false`, they end no bounce. */
export interface EventFields {
  i: false;
  sd?: number;
  e?: number;
  v?: Record<string, number | undefined>;
}

/**
 * Sends one event for the page at `url`; `options.callback` runs either way (once the request
 * settled or was queued, or at once when nothing is sent). Never throws into the page.
 *
 * **Exclusion**, checked per event so the opt-out takes effect without a reload: nothing is sent
 * when `localStorage.edgebear_ignore` is `"true"`; unless `data-local`, from pages without a
 * hostname (`file:`), localhost / 127.x / [::1] and automated browsers (`navigator.webdriver`);
 * with `data-respect-dnt`, under Do-Not-Track or Global Privacy Control.
 *
 * **Body**: the options as they are (`JSON.stringify` leaves out the callback and anything
 * `undefined`), then the short keys `n` name, `u` page URL, `d` domain, `r` referrer, `w`
 * viewport width and `h` hash mode, which the options cannot override.
 *
 * **Transport**: a string body goes out as `text/plain`, a CORS "simple request" without a
 * preflight. `keepalive` lets the request outlive the page (events sent on hide or on an outbound
 * click); where fetch has no keepalive, `sendBeacon` does the same job. A failed request is
 * swallowed, never an unhandled rejection in the host page's console.
 */
export function send(name: string, url: string, options?: EventOptions | EventFields): void {
  const done = () => (options as EventOptions | undefined)?.callback?.();
  try {
    let optedOut: string | undefined;
    try {
      optedOut = localStorage.edgebear_ignore;
    } catch {
      // Storage blocked (sandboxed frame, strict privacy settings): there cannot be an opt-out flag either.
    }
    if (
      optedOut === 'true' ||
      // An empty hostname is a file: page.
      (!allowLocal && (/^(localhost|\[::1\]|)$|^127\./.test(location.hostname) || navigator.webdriver)) ||
      (respectDnt &&
        (navigator.doNotTrack === '1' ||
          (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl))
    )
      done();
    else {
      const body = JSON.stringify({
        ...options,
        n: name,
        u: url,
        d: domain,
        r: document.referrer,
        w: innerWidth,
        h: hashMode,
      });
      if ('keepalive' in Request.prototype)
        fetch(api, { method: 'POST', body, keepalive: true }).then(done, done);
      else {
        navigator.sendBeacon(api, body);
        done();
      }
    }
  } catch {
    // Props that cannot be serialised, a missing API: analytics must never break the page.
  }
}

/** An event on the current page: the public `edgebear(name, options)`, and link clicks. */
export function track(name: string, options?: EventOptions): void {
  send(name, pageUrl(), options);
}
