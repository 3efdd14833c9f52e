import type { EventRecord } from '../../../workers/events/record';
import { event } from './fixtures';

/**
 * A small site in Europe/Berlin (UTC+2 in October 2026), mostly on Monday 2026-10-05 local time,
 * i.e. 2026-10-04T22:00Z to 2026-10-05T22:00Z. Every number the tests expect is counted by hand
 * from this list.
 *
 * Visits on 2026-10-05 (Berlin):
 * | visit | visitor | local start | pages (in order)                       | custom      | source       | country | bounce | duration |
 * | A1    | A (1)   | 10:00       | /, /pricing                            | Signup      | Google       | DE      | no     | 420 s    |
 * | B1    | B (2)   | 11:10       | /                                      | –           | Hacker News  | US      | yes    | 60 s     |
 * | C1    | C (3)   | 12:00       | /blog/post-1, /pricing, /blog/post-2   | Download    | Direct       | DE      | no     | 300 s    |
 * | A2    | A (1)   | 22:30       | /about                                 | –           | Direct       | DE      | yes    | 0 s      |
 * | E1    | E (5)   | 00:30       | /pricing (at 22:30Z the day before)    | –           | Hacker News  | US      | yes    | 0 s      |
 * D1 (visitor 4) at 2026-10-05T23:30Z is already 2026-10-06 in Berlin: outside the day.
 * 2026-10-04 (Berlin): F1 (visitor 6, /, Google, DE) and B0 (visitor 2, /pricing, Direct, US), both bounces.
 * 2025-10-05 (Berlin): Y1 (visitor 7, /, Direct), one bounce.
 *
 * So on 2026-10-05: visitors 4, visits 5, pageviews 8, events 10, views per visit 1.6,
 * bounce rate 60 %, visit duration 156 s.
 */
export function dataset(site: number): EventRecord[] {
  const googleDesktopBerlin = {
    referrer: 'www.google.com',
    referrer_source: 'Google',
    channel: 'Organic Search',
    country: 'DE',
    region: 'Berlin',
    city: 'Berlin',
    device: 'Desktop',
    browser: 'Chrome',
    browser_version: '120',
    os: 'Windows',
    os_version: '11',
  };
  const hnIphone = {
    referrer: 'news.ycombinator.com/item',
    referrer_source: 'Hacker News',
    channel: 'Organic Social',
    country: 'US',
    region: 'California',
    city: 'San Francisco',
    device: 'Mobile',
    browser: 'Safari',
    browser_version: '17',
    os: 'iOS',
    os_version: '17',
  };
  const munichLinux = {
    country: 'DE',
    region: 'Bavaria',
    city: 'Munich',
    device: 'Desktop',
    browser: 'Firefox',
    browser_version: '133',
    os: 'Linux',
    os_version: '',
  };
  const a = { visitor: 1, ...googleDesktopBerlin };
  const internal = { referrer: '', referrer_source: '', channel: 'Direct' };
  return [
    // A1
    event(site, '2026-10-05T08:00:00Z', { ...a, session: 101, pathname: '/' }),
    event(site, '2026-10-05T08:05:00Z', { ...a, ...internal, session: 101, pathname: '/pricing' }),
    event(site, '2026-10-05T08:06:00Z', {
      ...a,
      ...internal,
      session: 101,
      pathname: '/pricing',
      kind: 'custom',
      name: 'Signup',
      props: { plan: 'pro' },
    }),
    event(site, '2026-10-05T08:07:00Z', {
      ...a,
      ...internal,
      session: 101,
      pathname: '/pricing',
      kind: 'engagement',
      name: 'engagement',
      interactive: 0,
      scroll_depth: 80,
      engaged_ms: 30_000,
    }),
    // B1
    event(site, '2026-10-05T09:10:00Z', {
      visitor: 2,
      session: 201,
      ...hnIphone,
      pathname: '/',
      utm_source: 'hn',
      utm_medium: 'social',
      utm_campaign: 'launch',
      utm_content: 'c1',
      utm_term: 't1',
    }),
    event(site, '2026-10-05T09:11:00Z', {
      visitor: 2,
      session: 201,
      ...hnIphone,
      ...internal,
      pathname: '/',
      kind: 'engagement',
      name: 'engagement',
      interactive: 0,
      scroll_depth: 40,
      engaged_ms: 10_000,
    }),
    // C1
    event(site, '2026-10-05T10:00:00Z', {
      visitor: 3,
      session: 301,
      ...munichLinux,
      pathname: '/blog/post-1',
    }),
    event(site, '2026-10-05T10:02:00Z', { visitor: 3, session: 301, ...munichLinux, pathname: '/pricing' }),
    event(site, '2026-10-05T10:04:00Z', {
      visitor: 3,
      session: 301,
      ...munichLinux,
      pathname: '/blog/post-2',
    }),
    event(site, '2026-10-05T10:05:00Z', {
      visitor: 3,
      session: 301,
      ...munichLinux,
      pathname: '/blog/post-2',
      kind: 'custom',
      name: 'Download',
      props: { file: 'a.pdf' },
    }),
    // A2: 22:30 in Berlin
    event(site, '2026-10-05T20:30:00Z', { ...a, ...internal, session: 102, pathname: '/about' }),
    // E1: 00:30 on the 5th in Berlin
    event(site, '2026-10-04T22:30:00Z', { visitor: 5, session: 501, ...hnIphone, pathname: '/pricing' }),
    // D1: 01:30 on the 6th in Berlin
    event(site, '2026-10-05T23:30:00Z', {
      visitor: 4,
      session: 401,
      ...googleDesktopBerlin,
      country: 'FR',
      pathname: '/',
    }),
    // The day before, in Berlin
    event(site, '2026-10-04T10:00:00Z', { visitor: 6, session: 601, ...googleDesktopBerlin, pathname: '/' }),
    event(site, '2026-10-04T12:00:00Z', {
      visitor: 2,
      session: 202,
      ...hnIphone,
      ...internal,
      pathname: '/pricing',
    }),
    // A year before
    event(site, '2025-10-05T10:00:00Z', { visitor: 7, session: 701, pathname: '/' }),
  ];
}

export const DAY = ['2026-10-05', '2026-10-05'];
