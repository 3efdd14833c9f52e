import { adNetworkOf, type Channel, channelFor } from './channel';
import { sourceForHost, sourceForTag } from './sources';
import { normaliseHostname, type Utm } from './url';

export interface ReferrerInfo {
  /** Host and path of the referring page: no scheme, `www.`, query, fragment or trailing slash. */
  referrer: string;
  /** Readable source ('Google', 'Hacker News', a utm_source, a host), or '' for Direct / None. */
  source: string;
  channel: Channel;
}

/**
 * Where a visit came from, the way Plausible resolves it, so switchers see the same numbers:
 *
 * 1. A tag in the landing URL (`utm_source`, else `source`, else `ref`) wins over the referrer.
 *    A tag that names a known source (`google`, `ig`, `news.ycombinator.com`) becomes its
 *    readable name; any other tag is kept as sent.
 * 2. Otherwise the referrer's host decides: a known host gives its name (`google.co.uk` →
 *    Google), an unknown one is the source as it is (`blog.example.com`).
 * 3. A referrer from the page's own hostname (internal navigation) or from localhost counts as
 *    none: `referrer` and its source are ''.
 * 4. Edgebear's addition: when nothing above names a source but the URL carries a click id only
 *    ads have (`gclid`, `msclkid`, `ttclid`, …), the ad network is the source. In-app browsers
 *    often send no referrer, and such a visit is not Direct.
 *
 * `pageHostname` must be normalised like {@link normaliseHostname} (as cleanPage returns it);
 * `utm.source` already holds the `source`/`ref` fallbacks.
 */
export function classifyReferrer(
  referrer: string,
  pageHostname: string,
  utm: Utm,
  clickIdParam: string,
): ReferrerInfo {
  const external = externalReferrer(referrer, pageHostname);
  let source = '';
  if (utm.source !== '') {
    source = sourceForTag(utm.source)?.name ?? utm.source;
  } else if (external) {
    source = sourceForHost(external.host)?.name ?? external.display;
  } else {
    source = adNetworkOf(clickIdParam);
  }
  return {
    referrer: external ? external.display + external.path : '',
    source,
    channel: channelFor(source, utm, clickIdParam),
  };
}

/** The referrer's host and path when it is a valid, external referrer; null otherwise. */
function externalReferrer(
  referrer: string,
  pageHostname: string,
): { host: string; display: string; path: string } | null {
  if (referrer === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(referrer);
  } catch {
    return null;
  }
  const app = parsed.protocol === 'android-app:';
  if (!app && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  const host = normaliseHostname(parsed.hostname);
  if (host === '' || host === pageHostname || host === 'localhost') return null;
  // Android reports the referring app as android-app://<package>; keep the scheme so it reads as an app.
  const display = app ? `android-app://${host}` : host;
  const path = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/+$/, '');
  return { host, display, path };
}
