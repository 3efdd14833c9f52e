import { describe, expect, it } from 'vitest';
import { cleanPage } from '../../../../workers/ingest/enrich/url';

describe('cleanPage', () => {
  it('lower-cases the hostname and strips www and a trailing dot', () => {
    expect(cleanPage('https://WWW.Example.COM./a', false).hostname).toBe('example.com');
    expect(cleanPage('https://blog.example.com/a', false).hostname).toBe('blog.example.com');
  });

  it('drops the query string and the fragment from the pathname', () => {
    const page = cleanPage('https://example.com/pricing?email=a@b.c&token=x#plans', false);
    expect(page.pathname).toBe('/pricing');
  });

  it('keeps a trailing slash as sent and gives / for the root', () => {
    expect(cleanPage('https://example.com/docs/', false).pathname).toBe('/docs/');
    expect(cleanPage('https://example.com/docs', false).pathname).toBe('/docs');
    expect(cleanPage('https://example.com', false).pathname).toBe('/');
  });

  it('percent-decodes valid UTF-8 and keeps invalid sequences and reserved characters encoded', () => {
    expect(cleanPage('https://example.com/caf%C3%A9/%E2%9C%93', false).pathname).toBe('/café/✓');
    expect(cleanPage('https://example.com/bad%E2%28x', false).pathname).toBe('/bad%E2(x');
    expect(cleanPage('https://example.com/%FF%C3%A9%E2%82', false).pathname).toBe('/%FFé%E2%82');
    expect(cleanPage('https://example.com/a%2Fb%3Fc%23d', false).pathname).toBe('/a%2Fb%3Fc%23d');
    expect(cleanPage('https://example.com/über', false).pathname).toBe('/über');
  });

  describe('hash mode', () => {
    it('appends the fragment route to the path', () => {
      expect(cleanPage('https://example.com/#/about', true).pathname).toBe('/#/about');
      expect(cleanPage('https://example.com/app#settings', true).pathname).toBe('/app#settings');
    });

    it("drops the fragment's own query string but reads UTM tags from it", () => {
      const page = cleanPage('https://example.com/#/landing?utm_source=twitter&utm_medium=social', true);
      expect(page.pathname).toBe('/#/landing');
      expect(page.utm).toMatchObject({ source: 'twitter', medium: 'social' });
    });

    it('leaves the path alone when there is no fragment', () => {
      expect(cleanPage('https://example.com/a#', true).pathname).toBe('/a');
      expect(cleanPage('https://example.com/a', true).pathname).toBe('/a');
    });

    it('ignores the fragment outside hash mode', () => {
      expect(cleanPage('https://example.com/#/about', false).pathname).toBe('/');
    });
  });

  it('reads all five UTM tags, decoded and trimmed', () => {
    const page = cleanPage(
      'https://example.com/?utm_source=Newsletter&utm_medium=email&utm_campaign=spring+sale&utm_content=hero%20link&utm_term=%20shoes%20',
      false,
    );
    expect(page.utm).toEqual({
      source: 'Newsletter',
      medium: 'email',
      campaign: 'spring sale',
      content: 'hero link',
      term: 'shoes',
    });
  });

  it('uses ref, then source, as utm_source only when utm_source is absent', () => {
    expect(cleanPage('https://example.com/?ref=producthunt', false).utm.source).toBe('producthunt');
    expect(cleanPage('https://example.com/?source=hn&ref=x', false).utm.source).toBe('hn');
    expect(cleanPage('https://example.com/?utm_source=twitter&ref=x', false).utm.source).toBe('twitter');
  });

  it('gives empty UTM tags when there are none', () => {
    expect(cleanPage('https://example.com/', false).utm).toEqual({
      source: '',
      medium: '',
      campaign: '',
      content: '',
      term: '',
    });
  });

  it.each([
    ['gclid', 'Google Ads'],
    ['gbraid', 'Google Ads'],
    ['wbraid', 'Google Ads'],
    ['msclkid', 'Microsoft'],
    ['fbclid', 'Meta'],
    ['ttclid', 'TikTok'],
    ['twclid', 'X'],
    ['li_fat_id', 'LinkedIn'],
  ])('records the name of the %s click id (%s), never its value', (param) => {
    const page = cleanPage(`https://example.com/?${param}=SECRET123`, false);
    expect(page.clickIdParam).toBe(param);
    expect(JSON.stringify(page)).not.toContain('SECRET123');
  });

  it('records no click id when none is present', () => {
    expect(cleanPage('https://example.com/?id=5', false).clickIdParam).toBe('');
  });
});
