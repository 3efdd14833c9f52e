import { afterEach, describe, expect, it, vi } from 'vitest';
import { pageKey, pageUrl } from '../../../tracker/src/url';

/** Puts the page at `href`: the helpers read the `location` global, as in the browser. */
function at(href: string): void {
  vi.stubGlobal('location', new URL(href));
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('pageUrl', () => {
  it('sends the address without its fragment, keeping the query string', () => {
    at('https://example.com/pricing?utm_source=hn#plans');
    expect(pageUrl(undefined, false)).toBe('https://example.com/pricing?utm_source=hn');
  });

  it('never sends an OAuth token that sits in the fragment', () => {
    at('https://example.com/callback#access_token=secret');
    expect(pageUrl(undefined, false)).not.toContain('secret');
  });

  it('keeps the fragment in hash mode, where it is the route', () => {
    at('https://example.com/app?x=1#/settings');
    expect(pageUrl(undefined, true)).toBe('https://example.com/app?x=1#/settings');
  });

  it('uses the canonical origin and path but the page’s own campaign tags', () => {
    at('https://m.example.com/a/b?utm_campaign=spring');
    expect(pageUrl('https://example.com/b?ref=canonical#top', false)).toBe(
      'https://example.com/b?utm_campaign=spring',
    );
  });

  it('adds the route fragment to the canonical URL in hash mode', () => {
    at('https://example.com/app#/inbox');
    expect(pageUrl('https://example.com/app', true)).toBe('https://example.com/app#/inbox');
  });
});

describe('pageKey (pageview de-duplication)', () => {
  const keyAt = (href: string, hashMode: boolean) => {
    at(href);
    return pageKey(hashMode);
  };

  it('is the same when only the query string changes', () => {
    expect(keyAt('https://example.com/search?q=a', false)).toBe(
      keyAt('https://example.com/search?q=ab', false),
    );
  });

  it('ignores fragment changes without hash mode', () => {
    expect(keyAt('https://example.com/docs#intro', false)).toBe(
      keyAt('https://example.com/docs#usage', false),
    );
  });

  it('tells routes apart by fragment in hash mode', () => {
    expect(keyAt('https://example.com/#/inbox', true)).not.toBe(keyAt('https://example.com/#/sent', true));
  });

  it('differs when the path changes', () => {
    expect(keyAt('https://example.com/a', false)).not.toBe(keyAt('https://example.com/b', false));
  });
});
