/** UTM tags of a landing URL; '' for each tag that is absent. */
export interface Utm {
  source: string;
  medium: string;
  campaign: string;
  content: string;
  term: string;
}

export interface CleanPage {
  /** Lower-case, without a leading `www.` or a trailing dot. */
  hostname: string;
  /** Path without query string, percent-decoded where that is safe; `#fragment` appended in hash mode. */
  pathname: string;
  utm: Utm;
  /** Name of the ad click id parameter in the URL (never its value), or ''. */
  clickIdParam: string;
}

/**
 * Ad click id parameters, in the order they are looked for. Only the name is kept: it says "this
 * visit came from an ad on that network" without storing an id that could link the visitor back.
 */
export const CLICK_ID_PARAMS = [
  'gclid', // Google Ads
  'gbraid', // Google Ads, iOS app campaigns
  'wbraid', // Google Ads, iOS web campaigns
  'msclkid', // Microsoft Advertising
  'fbclid', // Meta (added to every outbound link, paid or not)
  'ttclid', // TikTok Ads
  'twclid', // X Ads
  'li_fat_id', // LinkedIn Ads
] as const;

const EMPTY_UTM: Utm = { source: '', medium: '', campaign: '', content: '', term: '' };

/**
 * Splits a page URL into what is stored about it.
 *
 * The query string never reaches `pathname` (it can carry emails, tokens, search terms); only UTM
 * tags and the name of a click id are read from it. `ref` and `source` count as `utm_source` when
 * `utm_source` is absent, as in Plausible. In hash mode (single-page apps that route on the
 * fragment) the fragment is kept, minus its own query string: `https://a.com/#/about?x=1` gives
 * pathname `/#/about`, and UTM tags in that fragment query are read when the real query lacks them.
 * Outside hash mode the fragment is dropped. A URL that does not parse gives empty fields.
 */
export function cleanPage(url: string, hashMode: boolean): CleanPage {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { hostname: '', pathname: '/', utm: { ...EMPTY_UTM }, clickIdParam: '' };
  }

  let pathname = safeDecode(parsed.pathname) || '/';
  // Most pages have no query string: then no tag or click id is looked up one by one.
  const params = parsed.search.length > 1 ? parsed.searchParams : null;
  let hashParams: URLSearchParams | null = null;
  if (hashMode && parsed.hash.length > 1) {
    const fragment = parsed.hash.slice(1);
    const queryAt = fragment.indexOf('?');
    const route = queryAt === -1 ? fragment : fragment.slice(0, queryAt);
    if (queryAt !== -1) hashParams = new URLSearchParams(fragment.slice(queryAt + 1));
    if (route !== '') pathname += `#${safeDecode(route)}`;
  }

  const hostname = normaliseHostname(parsed.hostname);
  if (params === null && hashParams === null) {
    return { hostname, pathname, utm: { ...EMPTY_UTM }, clickIdParam: '' };
  }
  const param = (name: string): string => {
    const value = params?.get(name) ?? hashParams?.get(name) ?? '';
    return value.trim();
  };

  return {
    hostname,
    pathname,
    utm: {
      source: param('utm_source') || param('source') || param('ref'),
      medium: param('utm_medium'),
      campaign: param('utm_campaign'),
      content: param('utm_content'),
      term: param('utm_term'),
    },
    clickIdParam: CLICK_ID_PARAMS.find((name) => params?.has(name) || hashParams?.has(name)) ?? '',
  };
}

/** A hostname as stored and compared: lower-case, no leading `www.`, no trailing dot. */
export function normaliseHostname(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.startsWith('www.') ? host.slice(4) : host;
}

/**
 * Percent-decodes escapes that form valid UTF-8 and leaves the others as sent. Reserved
 * characters (`/`, `?`, `#`, …) stay encoded, so decoding never changes the path's structure.
 */
function safeDecode(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, decodeRun);
}

/** Decodes a run of escapes; when it is not valid UTF-8 as a whole, character by character. */
function decodeRun(run: string): string {
  try {
    return decodeURI(run);
  } catch {
    // Fall through to the slow path: only runs with a broken sequence get here.
  }
  const escapes = run.match(/%../g) ?? [];
  let out = '';
  for (let i = 0; i < escapes.length; ) {
    const lead = Number.parseInt((escapes[i] ?? '').slice(1), 16);
    const size =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead < 0xe0
          ? 2
          : lead >= 0xe0 && lead < 0xf0
            ? 3
            : lead >= 0xf0 && lead < 0xf5
              ? 4
              : 0;
    if (size > 0 && i + size <= escapes.length) {
      try {
        out += decodeURI(escapes.slice(i, i + size).join(''));
        i += size;
        continue;
      } catch {
        // Not a valid sequence: keep its first escape raw and resynchronise on the next.
      }
    }
    out += escapes[i] ?? '';
    i++;
  }
  return out;
}
