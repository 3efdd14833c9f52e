import type { EventKind, PerformanceField } from '../../events/record';

/**
 * Edgebear's wire format for POST /api/event. It is a superset of Plausible's, so a Plausible
 * tracker works by changing its URL. Short keys keep the tracker small; Plausible's long keys
 * (name, url, domain, referrer, props, revenue, hashMode, interactive) are accepted too.
 *
 * {
 *   "n": "pageview" | "engagement" | "performance" | "<custom name>",
 *   "u": "https://example.com/path?utm_source=x",   // page URL, required
 *   "d": "example.com",                              // site domain, required
 *   "r": "https://news.ycombinator.com/",            // document.referrer, optional
 *   "p": { "plan": "pro" },                          // props (object or JSON string)
 *   "$": { "currency": "EUR", "amount": 9.99 },      // revenue (object or JSON string)
 *   "h": 1,                                          // hash routing: keep #fragment as path
 *   "i": false,                                      // non-interactive (does not end a bounce)
 *   "w": 1280,                                       // viewport width, for device class
 *   "sd": 80, "e": 12500,                            // engagement: max scroll %, engaged ms
 *   "v": { "lcp": 1200, "inp": 80, "cls": 0.02, "fcp": 900, "ttfb": 200,
 *          "dns": 10, "conn": 30, "dom": 700, "load": 1500 }  // performance, any subset
 * }
 */
export interface ParsedEvent {
  /** Site domain (Plausible `d`) or, for Umami payloads, empty with `siteKey` set. */
  domain: string;
  /** Public site key (Umami `website`); empty when the domain identifies the site. */
  siteKey: string;
  kind: EventKind;
  /** 'pageview', 'engagement', 'performance' or the custom event name. */
  name: string;
  /** Absolute page URL as sent (validated to parse as http(s) URL). */
  url: string;
  referrer: string;
  props: Record<string, string>;
  /** Present only for revenue events. Amount as a decimal string. */
  revenue: { currency: string; amount: string } | null;
  hashMode: boolean;
  interactive: boolean;
  /** Viewport width in CSS pixels, when the tracker sent it. */
  screenWidth: number | null;
  scrollDepth: number | null;
  engagedMs: number | null;
  performance: Partial<Record<PerformanceField, number>>;
}

/** A payload the endpoint must refuse with 400: `code` is machine-readable, `message` says what is wrong. */
export class PayloadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PayloadError';
  }
}
