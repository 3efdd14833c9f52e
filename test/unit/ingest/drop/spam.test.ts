import { describe, expect, it } from 'vitest';
import { isReferrerSpam } from '../../../../workers/ingest/drop/spam';

describe('isReferrerSpam', () => {
  it.each([
    'semalt.com',
    'darodar.com',
    'ilovevitaly.com',
    'priceg.com',
    'best-seo-offer.com',
    'hulfingtonpost.com',
  ])('flags the known spammer %s', (host) => {
    expect(isReferrerSpam(host)).toBe(true);
  });

  it('flags subdomains, www and upper case', () => {
    expect(isReferrerSpam('www.semalt.com')).toBe(true);
    expect(isReferrerSpam('forum.buttons-for-website.com')).toBe(true);
    expect(isReferrerSpam('SEMALT.COM')).toBe(true);
  });

  it('flags new domains with the usual bait in their name', () => {
    expect(isReferrerSpam('free-share-buttons-2031.xyz')).toBe(true);
    expect(isReferrerSpam('get-free-traffic.top')).toBe(true);
    expect(isReferrerSpam('cheap-seo-offer.net')).toBe(true);
  });

  it.each([
    'google.com',
    'news.ycombinator.com',
    'semalt.com.example.org',
    'notsemalt.com',
    'buttons.dev',
    '',
  ])('lets %j through', (host) => {
    expect(isReferrerSpam(host)).toBe(false);
  });
});
