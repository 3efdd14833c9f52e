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
  const byAgent = agentVerdict(ua);
  if (byAgent === 'automation') return 'automation';
  if (headers.get('sec-ch-ua')?.includes('HeadlessChrome')) return 'automation';
  return byAgent;
}

/**
 * What the user agent alone says: 'automation', 'bot' or null. isbot runs one large regular
 * expression over the whole string, for every event, and user agents repeat heavily, so verdicts
 * are memoised per isolate as parsed agents are (workers/ingest/enrich/user-agent.ts): a Map in
 * insertion order, the oldest entry going when it is full.
 */
const VERDICT_CACHE_SIZE = 1000;
const verdicts = new Map<string, BotReason | null>();

function agentVerdict(ua: string): BotReason | null {
  const cached = verdicts.get(ua);
  if (cached !== undefined) return cached;
  const verdict: BotReason | null = AUTOMATION_UA.test(ua) ? 'automation' : isbot(ua) ? 'bot' : null;
  // Huge headers are judged, not kept: they would crowd the cache.
  if (ua.length <= 500) {
    if (verdicts.size >= VERDICT_CACHE_SIZE) {
      const oldest = verdicts.keys().next();
      if (!oldest.done) verdicts.delete(oldest.value);
    }
    verdicts.set(ua, verdict);
  }
  return verdict;
}
