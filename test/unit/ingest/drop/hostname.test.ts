import { describe, expect, it } from 'vitest';
import { isHostnameAllowed } from '../../../../workers/ingest/drop/hostname';

describe('isHostnameAllowed', () => {
  describe('without an allow-list', () => {
    it('allows the site domain and its subdomains', () => {
      expect(isHostnameAllowed('example.com', 'example.com', [])).toBe(true);
      expect(isHostnameAllowed('blog.example.com', 'example.com', [])).toBe(true);
      expect(isHostnameAllowed('a.b.example.com', 'example.com', [])).toBe(true);
    });

    it('treats www and case as the same host', () => {
      expect(isHostnameAllowed('www.example.com', 'example.com', [])).toBe(true);
      expect(isHostnameAllowed('Example.COM', 'www.example.com', [])).toBe(true);
    });

    it('refuses other hosts, look-alikes included', () => {
      expect(isHostnameAllowed('scraper.net', 'example.com', [])).toBe(false);
      expect(isHostnameAllowed('notexample.com', 'example.com', [])).toBe(false);
      expect(isHostnameAllowed('example.com.evil.net', 'example.com', [])).toBe(false);
      expect(isHostnameAllowed('', 'example.com', [])).toBe(false);
    });
  });

  describe('with an allow-list', () => {
    const allowed = ['shop.example.com', '*.preview.example.net', 'localhost'];

    it('allows listed hosts and the site domain itself', () => {
      expect(isHostnameAllowed('shop.example.com', 'example.com', allowed)).toBe(true);
      expect(isHostnameAllowed('example.com', 'example.com', allowed)).toBe(true);
      expect(isHostnameAllowed('www.example.com', 'example.com', allowed)).toBe(true);
      expect(isHostnameAllowed('localhost', 'example.com', allowed)).toBe(true);
    });

    it('no longer allows unlisted subdomains of the site', () => {
      expect(isHostnameAllowed('staging.example.com', 'example.com', allowed)).toBe(false);
    });

    it('matches wildcard entries at any depth but not their apex', () => {
      expect(isHostnameAllowed('pr-12.preview.example.net', 'example.com', allowed)).toBe(true);
      expect(isHostnameAllowed('a.pr-12.preview.example.net', 'example.com', allowed)).toBe(true);
      expect(isHostnameAllowed('preview.example.net', 'example.com', allowed)).toBe(false);
      expect(isHostnameAllowed('xpreview.example.net', 'example.com', allowed)).toBe(false);
    });
  });
});
