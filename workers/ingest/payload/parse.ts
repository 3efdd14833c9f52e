import type { EventKind } from '../../events/record';
import {
  eventName,
  MAX_DOMAIN_LENGTH,
  optionalString,
  pageUrl,
  referrerField,
  requiredString,
  screenWidth,
} from './fields';
import { canonicalHostname } from './hostname';
import { isPlainObject, parseJsonObject } from './json-body';
import { engagement, performanceTimings } from './measurements';
import { normaliseProps } from './props';
import { normaliseRevenue } from './revenue';
import { type ParsedEvent, PayloadError } from './types';

/*
 * Error codes thrown as PayloadError by the parsers (each message names the field):
 *   body_too_large   body over 16 KB of UTF-8
 *   invalid_json     not JSON, or not a JSON object
 *   missing_field    a required field is absent or blank
 *   invalid_field    a field has the wrong type or is out of range
 *   too_long         url, referrer, name, domain, prop key or prop value over its limit
 *   invalid_url      url is not an absolute http(s) URL
 *   too_many_props   more than 30 props
 *   invalid_props    props not an object, or a prop value is an object or array
 *   invalid_revenue  revenue without a 3-letter currency or a usable amount
 *   unsupported      a valid Umami payload Edgebear does not record (type "identify")
 */

/**
 * Parses the body of POST /api/event: Edgebear's format, which is Plausible's plus a few short
 * keys (see ./types.ts). Short keys win over long ones when both are sent.
 *
 * `d` may be a comma-separated list of domains (Plausible's roll-up sites); Edgebear records the
 * event for the first one only. Throws {@link PayloadError} for anything it cannot record.
 */
export function parseEventPayload(body: string): ParsedEvent {
  const json = parseJsonObject(body);
  const name = eventName(json.n ?? json.name, 'n (name)');
  const url = pageUrl(requiredString(json.u ?? json.url, 'u (url)'), 'u (url)');
  const domain = siteDomain(json.d ?? json.domain);
  const kind = kindOf(name);

  const event: ParsedEvent = {
    domain,
    siteKey: '',
    kind,
    name,
    url,
    referrer: referrerField(json.r ?? json.referrer, 'r (referrer)'),
    // `m`/`meta` are Plausible's older names for props.
    props: normaliseProps(json.p ?? json.props ?? json.m ?? json.meta, 'p (props)'),
    revenue: normaliseRevenue(json.$ ?? json.revenue, '$ (revenue)'),
    hashMode: flag(json.h ?? json.hashMode),
    // Only an explicit false (or 0) marks an event non-interactive.
    interactive: !isFalse(json.i ?? json.interactive),
    screenWidth: screenWidth(json.w, 'w (width)'),
    scrollDepth: null,
    engagedMs: null,
    performance: {},
  };
  if (kind === 'engagement') {
    const measured = engagement(json.sd, json.e);
    event.scrollDepth = measured.scrollDepth;
    event.engagedMs = measured.engagedMs;
  } else if (kind === 'performance') {
    event.performance = performanceTimings(json.v);
  }
  return event;
}

/**
 * Parses the body of POST /api/send: Umami's tracker payload
 * `{ type: "event", payload: { website, hostname, url, referrer, title, screen, language, name, data } }`.
 *
 * - `website` (Umami's site id) becomes `siteKey`; `domain` stays empty.
 * - `url` may be a path: it is joined to `hostname` over https (the scheme is not recorded).
 * - `name` present → a custom event with `data` as its props; absent → a pageview.
 * - `screen` ("1920x1080", the device screen) supplies the width used for the device class.
 * - `title` and `language` are not recorded.
 * - `type: "identify"` (Umami's session data) throws `unsupported`: Edgebear keeps no per-visitor
 *   data, so there is nothing to store. The route may answer it with a 202 and a drop reason so
 *   Umami's tracker does not log errors.
 */
export function parseUmamiPayload(body: string): ParsedEvent {
  const json = parseJsonObject(body);
  const type = requiredString(json.type, 'type');
  if (type === 'identify') {
    throw new PayloadError(
      'unsupported',
      'type "identify" is not supported: Edgebear stores no visitor data',
    );
  }
  if (type !== 'event') throw new PayloadError('invalid_field', 'type must be "event" or "identify"');
  const payload = json.payload;
  if (payload === undefined || payload === null)
    throw new PayloadError('missing_field', 'payload is required');
  if (!isPlainObject(payload)) throw new PayloadError('invalid_field', 'payload must be an object');

  const siteKey = requiredString(payload.website, 'payload.website');
  if (siteKey.length > 64)
    throw new PayloadError('too_long', 'payload.website must be at most 64 characters');
  const hasName = payload.name !== undefined && payload.name !== null && payload.name !== '';
  const name = hasName ? eventName(payload.name, 'payload.name') : 'pageview';

  return {
    domain: '',
    siteKey,
    kind: hasName ? 'custom' : 'pageview',
    name,
    url: umamiUrl(payload.url, payload.hostname),
    referrer: referrerField(payload.referrer, 'payload.referrer'),
    props: hasName ? normaliseProps(payload.data, 'payload.data') : {},
    revenue: null,
    hashMode: false,
    interactive: true,
    screenWidth: umamiScreenWidth(payload.screen),
    scrollDepth: null,
    engagedMs: null,
    performance: {},
  };
}

/** The event kind implied by a name: three reserved names, everything else is a custom event. */
function kindOf(name: string): EventKind {
  switch (name) {
    case 'pageview':
    case 'engagement':
    case 'performance':
      return name;
    default:
      return 'custom';
  }
}

/**
 * The site domain: the first of a comma-separated list, as a canonical hostname (lower-case,
 * punycode) without `www.`, the form the sites API stores. Anything else (a URL, a path, a port,
 * spaces) is `invalid_field`: it could never match a site, and refusing it keeps junk from
 * reaching the site lookup.
 */
function siteDomain(value: unknown): string {
  const raw = requiredString(value, 'd (domain)');
  const first = (raw.split(',', 1)[0] ?? '').trim();
  if (first === '') throw new PayloadError('missing_field', 'd (domain) must not be empty');
  if (first.length > MAX_DOMAIN_LENGTH) {
    throw new PayloadError('too_long', `d (domain) must be at most ${MAX_DOMAIN_LENGTH} characters`);
  }
  const host = canonicalHostname(first);
  const domain = host?.startsWith('www.') ? host.slice(4) : host;
  if (!domain || canonicalHostname(domain) === null) {
    throw new PayloadError(
      'invalid_field',
      'd (domain) must be a hostname like "example.com", without scheme, path or port',
    );
  }
  return domain;
}

function flag(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

function isFalse(value: unknown): boolean {
  return value === false || value === 0 || value === '0' || value === 'false';
}

/** Umami sends a path plus a separate hostname; newer trackers may send an absolute URL. */
function umamiUrl(url: unknown, hostname: unknown): string {
  const raw = requiredString(url, 'payload.url');
  if (!raw.startsWith('/')) return pageUrl(raw, 'payload.url');
  const host = requiredString(hostname, 'payload.hostname');
  // A hostname with a slash, @ or similar would smuggle in a different URL; keep it to host chars.
  if (!/^[a-z0-9.:[\]-]+$/i.test(host)) {
    throw new PayloadError('invalid_url', 'payload.hostname must be a bare hostname');
  }
  return pageUrl(`https://${host}${raw}`, 'payload.url');
}

/** Width from Umami's "WIDTHxHEIGHT" screen string; null when absent. */
function umamiScreenWidth(screen: unknown): number | null {
  const text = optionalString(screen, 'payload.screen');
  if (text === '') return null;
  const match = /^(\d{1,6})x\d{1,6}$/.exec(text);
  if (!match) throw new PayloadError('invalid_field', 'payload.screen must look like "1920x1080"');
  return screenWidth(Number(match[1]), 'payload.screen');
}
