import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The URL helpers of a page at `href` with the given options (the `<script>` tag's, mocked) and,
 * optionally, a `<link rel="canonical">`: they read the `location` and `document` globals, as in
 * the browser.
 */
async function at(href: string, { hashMode = false, canonical = false, canonicalHref = '' } = {}) {
  vi.resetModules();
  vi.doMock('../../../tracker/src/options', () => ({ hashMode, canonical }));
  vi.stubGlobal('location', new URL(href));
  vi.stubGlobal('document', {
    querySelector: (selector: string) =>
      selector === 'link[rel=canonical]' && canonicalHref ? { href: canonicalHref } : null,
  });
  return import('../../../tracker/src/url');
}

afterEach(() => {
  vi.doUnmock('../../../tracker/src/options');
  vi.unstubAllGlobals();
});

describe('pageUrl', () => {
  it('sends the address without its fragment, keeping the query string', async () => {
    const { pageUrl } = await at('https://example.com/pricing?utm_source=hn#plans');
    expect(pageUrl()).toBe('https://example.com/pricing?utm_source=hn');
  });

  it('never sends an OAuth token that sits in the fragment', async () => {
    const { pageUrl } = await at('https://example.com/callback#access_token=secret');
    expect(pageUrl()).not.toContain('secret');
  });

  it('keeps the fragment in hash mode, where it is the route', async () => {
    const { pageUrl } = await at('https://example.com/app?x=1#/settings', { hashMode: true });
    expect(pageUrl()).toBe('https://example.com/app?x=1#/settings');
  });

  it('uses the canonical origin and path but the page’s own campaign tags', async () => {
    const { pageUrl } = await at('https://m.example.com/a/b?utm_campaign=spring', {
      canonical: true,
      canonicalHref: 'https://example.com/b?ref=canonical#top',
    });
    expect(pageUrl()).toBe('https://example.com/b?utm_campaign=spring');
  });

  it('adds the route fragment to the canonical URL in hash mode', async () => {
    const { pageUrl } = await at('https://example.com/app#/inbox', {
      hashMode: true,
      canonical: true,
      canonicalHref: 'https://example.com/app',
    });
    expect(pageUrl()).toBe('https://example.com/app#/inbox');
  });

  it('falls back to the address when data-canonical is set but the page has no canonical link', async () => {
    const { pageUrl } = await at('https://example.com/a?utm_source=x', { canonical: true });
    expect(pageUrl()).toBe('https://example.com/a?utm_source=x');
  });

  it('ignores the canonical link unless data-canonical is set', async () => {
    const { pageUrl } = await at('https://m.example.com/a', { canonicalHref: 'https://example.com/a' });
    expect(pageUrl()).toBe('https://m.example.com/a');
  });
});

describe('pageKey (pageview de-duplication)', () => {
  const keyAt = async (href: string, hashMode: boolean) => (await at(href, { hashMode })).pageKey();

  it('is the same when only the query string changes', async () => {
    expect(await keyAt('https://example.com/search?q=a', false)).toBe(
      await keyAt('https://example.com/search?q=ab', false),
    );
  });

  it('ignores fragment changes without hash mode', async () => {
    expect(await keyAt('https://example.com/docs#intro', false)).toBe(
      await keyAt('https://example.com/docs#usage', false),
    );
  });

  it('tells routes apart by fragment in hash mode', async () => {
    expect(await keyAt('https://example.com/#/inbox', true)).not.toBe(
      await keyAt('https://example.com/#/sent', true),
    );
  });

  it('differs when the path changes', async () => {
    expect(await keyAt('https://example.com/a', false)).not.toBe(await keyAt('https://example.com/b', false));
  });
});
