import { isbot } from 'isbot';

/** Why a request is not counted: a crawler or script ('bot'), or a driven browser ('automation'). */
export type BotReason = 'bot' | 'automation';

/**
 * Headless and driven browsers. They run JavaScript, so the tracker fires, but no person is
 * looking. Checked before isbot (which also knows some of them) so the reason says what they are.
 * The tracker already skips pages where `navigator.webdriver` is set; these catch the rest.
 */
const AUTOMATION_UA =
  /HeadlessChrome|HeadlessEdg|PhantomJS|SlimerJS|Chrome-Lighthouse|Puppeteer|Playwright|Selenium|Cypress|HappyDOM|jsdom/i;

/**
 * Whether to drop a request as non-human, and why; null for a visitor worth counting.
 *
 * - No user agent at all: 'bot' (every browser sends one).
 * - Cloudflare Bot Management, when the zone has it: a verified bot (search engines, monitors)
 *   or a score of 1 ("automated for certain") is a 'bot'. A score of 0 means "not scored" and is
 *   ignored, as is a missing `botManagement`.
 * - Headless browsers by user agent or by the `Sec-CH-UA` brand list: 'automation'.
 * - Everything isbot recognises (crawlers, HTTP libraries, monitors, previews): 'bot'.
 */
export function botReason(
  ua: string,
  headers: Headers,
  cf: IncomingRequestCfProperties | undefined,
): BotReason | null {
  if (ua.trim() === '') return 'bot';
  const bm = cf?.botManagement;
  if (bm && (bm.verifiedBot === true || bm.score === 1)) return 'bot';
  if (AUTOMATION_UA.test(ua)) return 'automation';
  if (headers.get('sec-ch-ua')?.includes('HeadlessChrome')) return 'automation';
  if (isbot(ua)) return 'bot';
  return null;
}
