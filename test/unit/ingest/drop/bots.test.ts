import { describe, expect, it } from 'vitest';
import { botReason } from '../../../../workers/ingest/drop/bots';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const noHeaders = new Headers();

function cf(botManagement: { score: number; verifiedBot: boolean }): IncomingRequestCfProperties {
  return { botManagement } as unknown as IncomingRequestCfProperties;
}

describe('botReason', () => {
  it('lets a normal desktop browser through', () => {
    expect(botReason(CHROME, noHeaders, undefined)).toBeNull();
  });

  it('drops requests without a user agent as bots', () => {
    expect(botReason('', noHeaders, undefined)).toBe('bot');
    expect(botReason('   ', noHeaders, undefined)).toBe('bot');
  });

  it.each([
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'curl/8.4.0',
    'python-requests/2.31.0',
    'Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
  ])('drops crawlers and HTTP libraries as bots: %s', (ua) => {
    expect(botReason(ua, noHeaders, undefined)).toBe('bot');
  });

  it.each([
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1',
    'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse',
  ])('drops headless and driven browsers as automation: %s', (ua) => {
    expect(botReason(ua, noHeaders, undefined)).toBe('automation');
  });

  it('spots headless Chrome by its client-hint brands even behind a normal user agent', () => {
    const headers = new Headers({ 'sec-ch-ua': '"Not_A Brand";v="8", "HeadlessChrome";v="120"' });
    expect(botReason(CHROME, headers, undefined)).toBe('automation');
  });

  it("drops what Cloudflare's Bot Management calls a verified bot or scores as certainly automated", () => {
    expect(botReason(CHROME, noHeaders, cf({ score: 90, verifiedBot: true }))).toBe('bot');
    expect(botReason(CHROME, noHeaders, cf({ score: 1, verifiedBot: false }))).toBe('bot');
  });

  it('ignores an unscored (0) or human-looking Bot Management result', () => {
    expect(botReason(CHROME, noHeaders, cf({ score: 0, verifiedBot: false }))).toBeNull();
    expect(botReason(CHROME, noHeaders, cf({ score: 99, verifiedBot: false }))).toBeNull();
    expect(botReason(CHROME, noHeaders, {} as IncomingRequestCfProperties)).toBeNull();
  });
});
