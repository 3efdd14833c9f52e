import UAParser from 'ua-parser-js';

export type DeviceClass = 'Desktop' | 'Mobile' | 'Tablet' | '';

export interface UserAgentInfo {
  browser: string;
  /** Major version only ('120'): finer versions split the report without telling anyone more. */
  browser_version: string;
  os: string;
  /** Major version, except macOS 10.x, where the minor is the release ('10.15'). */
  os_version: string;
  device: DeviceClass;
}

/**
 * Viewport widths (CSS px) below which a visit counts as Mobile, then Tablet; anything wider is
 * Desktop. The breakpoints are Plausible's; its separate "Laptop" class (992–1439 px) is folded into
 * Desktop here to keep three classes.
 */
export const MOBILE_MAX_WIDTH = 575;
export const TABLET_MAX_WIDTH = 991;

/**
 * The parser's names where a plainer one reads better in a report. Maps, not objects: some names
 * are captured from the user agent itself, and `constructor` must not find Object's.
 */
const BROWSER_NAMES: ReadonlyMap<string, string> = new Map([
  ['Mobile Safari', 'Safari'],
  ['Mobile Chrome', 'Chrome'],
  ['Mobile Firefox', 'Firefox'],
  ['Chrome Headless', 'Chrome'],
  ['Samsung Browser', 'Samsung Internet'],
  ['Opera Mobi', 'Opera'],
  ['Opera Touch', 'Opera'],
  ['Opera GX', 'Opera'],
  ['Edge WebView2', 'Edge'],
]);

/** Current OS names, and Linux distributions folded into one OS, as a traffic report wants. */
const OS_NAMES: ReadonlyMap<string, string> = new Map([
  ['Mac OS', 'macOS'],
  ['Chromium OS', 'ChromeOS'],
  ['Ubuntu', 'Linux'],
  ['Debian', 'Linux'],
  ['Fedora', 'Linux'],
  ['Mint', 'Linux'],
  ['Arch', 'Linux'],
  ['Gentoo', 'Linux'],
  ['Kubuntu', 'Linux'],
  ['Manjaro', 'Linux'],
  ['openSUSE', 'Linux'],
  ['CentOS', 'Linux'],
  ['RedHat', 'Linux'],
  ['Red Hat', 'Linux'],
  ['Slackware', 'Linux'],
  ['Mandriva', 'Linux'],
  ['Linpus', 'Linux'],
]);

type ParsedAgent = Omit<UserAgentInfo, 'device'> & { uaDevice: DeviceClass };

/**
 * User agents repeat heavily (a few hundred cover most traffic) and parsing one runs dozens of
 * regular expressions, so results are memoised per isolate. The Map keeps insertion order: a hit
 * re-inserts its entry, and the oldest entry goes when the cache is full.
 */
const CACHE_SIZE = 1000;
const cache = new Map<string, ParsedAgent>();
const parser = new UAParser();

/**
 * Browser, OS and device class of a visit. The device class comes from the viewport width when
 * the tracker sent one (a desktop browser in a phone-sized window lays out as mobile), otherwise
 * from the user agent. Unknown parts are ''.
 */
export function parseUserAgent(ua: string, screenWidth: number | null): UserAgentInfo {
  const agent = parseCached(ua);
  return {
    browser: agent.browser,
    browser_version: agent.browser_version,
    os: agent.os,
    os_version: agent.os_version,
    device: screenWidth === null ? agent.uaDevice : deviceForWidth(screenWidth),
  };
}

/** The device class for a viewport width in CSS pixels. */
export function deviceForWidth(width: number): DeviceClass {
  if (width <= MOBILE_MAX_WIDTH) return 'Mobile';
  if (width <= TABLET_MAX_WIDTH) return 'Tablet';
  return 'Desktop';
}

function parseCached(ua: string): ParsedAgent {
  // The parser reads only the first 500 characters; keying on the same keeps huge headers out of memory.
  const key = ua.length > 500 ? ua.slice(0, 500) : ua;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const parsed = parseUncached(key);
  if (cache.size >= CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, parsed);
  return parsed;
}

function parseUncached(ua: string): ParsedAgent {
  parser.setUA(ua);
  const browser = parser.getBrowser();
  const os = parser.getOS();
  const device = parser.getDevice();
  const browserName = browser.name ? (BROWSER_NAMES.get(browser.name) ?? browser.name) : '';
  const osName = os.name ? (OS_NAMES.get(os.name) ?? os.name) : '';
  return {
    browser: browserName,
    browser_version: browser.major ?? '',
    os: osName,
    os_version: osVersion(osName, os.version ?? ''),
    uaDevice: deviceForType(device.type, browserName !== '' || osName !== ''),
  };
}

/** Major version; for macOS 10.x the minor too, since 10.13 and 10.15 are different releases. */
function osVersion(os: string, version: string): string {
  const parts = version.split('.');
  const major = parts[0] ?? '';
  if (os === 'macOS' && major === '10' && parts[1]) return `10.${parts[1]}`;
  return major;
}

/**
 * ua-parser-js leaves the type undefined for desktops. TVs and consoles are big screens, so
 * Desktop; embedded devices (cars, fridges) and unparseable agents are unknown.
 */
function deviceForType(type: string | undefined, recognised: boolean): DeviceClass {
  switch (type) {
    case 'mobile':
    case 'wearable':
      return 'Mobile';
    case 'tablet':
      return 'Tablet';
    case 'smarttv':
    case 'console':
      return 'Desktop';
    case 'embedded':
      return '';
    default:
      return recognised ? 'Desktop' : '';
  }
}
