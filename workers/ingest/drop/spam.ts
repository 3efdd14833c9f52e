/**
 * Referrer spam: sites that fake visits (often without loading the page at all) so their domain
 * shows up in analytics referrer lists and curious owners click through.
 *
 * The list is Edgebear's own, of long-known offenders; a domain matches with all its subdomains.
 * To update it: add the registrable domain below (lower-case, no `www.`) with a test case in
 * test/unit/ingest/drop/spam.test.ts, and deploy. Keep it short: every referrer is checked against
 * it, and a domain that went quiet years ago costs a Set entry, nothing more.
 */
const SPAM_DOMAINS = new Set([
  '100dollars-seo.com',
  '4webmasters.org',
  '7makemoneyonline.com',
  'anticrawler.org',
  'auto-seo-service.org',
  'best-seo-offer.com',
  'best-seo-solution.com',
  'blackhatworth.com',
  'buttons-for-website.com',
  'buttons-for-your-website.com',
  'buy-cheap-online.info',
  'cenokos.ru',
  'cenoval.ru',
  'darodar.com',
  'descargar-musica-gratis.net',
  'econom.co',
  'event-tracking.com',
  'fix-website-errors.com',
  'floating-share-buttons.com',
  'free-share-buttons.com',
  'free-social-buttons.com',
  'get-free-traffic-now.com',
  'googlsucks.com',
  'hulfingtonpost.com',
  'humanorightswatch.org',
  'ilovevitaly.co',
  'ilovevitaly.com',
  'ilovevitaly.ru',
  'kambasoft.com',
  'o-o-6-o-o.com',
  'o-o-8-o-o.com',
  'priceg.com',
  'rank-checker.online',
  'ranksonic.info',
  'sanjosestartups.com',
  'savetubevideo.com',
  'screentoolkit.com',
  'semalt.com',
  'seoanalyses.com',
  'simple-share-buttons.com',
  'site-auditor.online',
  'smailik.org',
  'social-buttons.com',
  'success-seo.com',
  'traffic2money.com',
  'trafficmonetize.com',
  'trafficmonetizer.org',
  'video--production.com',
  'webmonetizer.net',
  'website-analyzer.info',
]);

/**
 * Name parts that only spam domains use: "free share buttons" and "SEO offers" are the usual
 * bait, and new domains with the same pitch appear faster than any list is updated.
 */
const SPAM_KEYWORDS = /buttons-for-|share-buttons|social-buttons|free-traffic|seo-offer|makemoneyonline/;

/** Whether a referrer host (with or without `www.`) is a known referrer spammer. */
export function isReferrerSpam(referrerHost: string): boolean {
  const host = referrerHost.toLowerCase();
  if (host === '') return false;
  if (SPAM_KEYWORDS.test(host)) return true;
  for (let dot = -1; ; ) {
    if (SPAM_DOMAINS.has(dot === -1 ? host : host.slice(dot + 1))) return true;
    dot = host.indexOf('.', dot + 1);
    if (dot === -1) return false;
  }
}
