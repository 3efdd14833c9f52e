import { describe, expect, it } from 'vitest';
import { type PageLocation, pageKey, pageUrl } from '../../../tracker/src/url';

function at(href: string): PageLocation {
  const url = new URL(href);
  return { href: url.href, pathname: url.pathname, search: url.search, hash: url.hash };
}

describe('pageUrl', () => {
  it('sends the address without its fragment, keeping the query string', () => {
    expect(pageUrl(at('https://example.com/pricing?utm_source=hn#plans'), undefined, false)).toBe(
      'https://example.com/pricing?utm_source=hn',
    );
  });

  it('never sends an OAuth token that sits in the fragment', () => {
    expect(pageUrl(at('https://example.com/callback#access_token=secret'), undefined, false)).not.toContain(
      'secret',
    );
  });

  it('keeps the fragment in hash mode, where it is the route', () => {
    expect(pageUrl(at('https://example.com/app?x=1#/settings'), undefined, true)).toBe(
      'https://example.com/app?x=1#/settings',
    );
  });

  it('uses the canonical origin and path but the page’s own campaign tags', () => {
    const location = at('https://m.example.com/a/b?utm_campaign=spring');
    expect(pageUrl(location, 'https://example.com/b?ref=canonical#top', false)).toBe(
      'https://example.com/b?utm_campaign=spring',
    );
  });

  it('adds the route fragment to the canonical URL in hash mode', () => {
    expect(pageUrl(at('https://example.com/app#/inbox'), 'https://example.com/app', true)).toBe(
      'https://example.com/app#/inbox',
    );
  });
});

describe('pageKey (pageview de-duplication)', () => {
  it('is the same when only the query string changes', () => {
    expect(pageKey(at('https://example.com/search?q=a'), false)).toBe(
      pageKey(at('https://example.com/search?q=ab'), false),
    );
  });

  it('ignores fragment changes without hash mode', () => {
    expect(pageKey(at('https://example.com/docs#intro'), false)).toBe(
      pageKey(at('https://example.com/docs#usage'), false),
    );
  });

  it('tells routes apart by fragment in hash mode', () => {
    expect(pageKey(at('https://example.com/#/inbox'), true)).not.toBe(
      pageKey(at('https://example.com/#/sent'), true),
    );
  });

  it('differs when the path changes', () => {
    expect(pageKey(at('https://example.com/a'), false)).not.toBe(pageKey(at('https://example.com/b'), false));
  });
});
