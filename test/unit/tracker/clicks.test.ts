import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { linkEventName } from '../../../tracker/src/clicks';

const link = (href: string) => new URL(href);

beforeEach(() => {
  vi.stubGlobal('location', new URL('https://example.com/blog'));
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('linkEventName', () => {
  it('reports a link to another site as an outbound click', () => {
    expect(linkEventName(link('https://github.com/edgebear'))).toBe('Outbound Link: Click');
  });

  it('treats another port or subdomain as another site', () => {
    expect(linkEventName(link('https://docs.example.com/'))).toBe('Outbound Link: Click');
    expect(linkEventName(link('https://example.com:8443/'))).toBe('Outbound Link: Click');
  });

  it('ignores same-site links', () => {
    expect(linkEventName(link('https://example.com/about'))).toBeFalsy();
  });

  it('reports common file types as downloads, same-site or not, in any case', () => {
    expect(linkEventName(link('https://example.com/report.PDF'))).toBe('File Download');
    expect(linkEventName(link('https://cdn.example.net/app-1.2.dmg?sig=x'))).toBe('File Download');
    expect(linkEventName(link('https://example.com/data.tar.gz'))).toBe('File Download');
  });

  it('does not take a path that merely contains an extension for a download', () => {
    expect(linkEventName(link('https://example.com/pdf/viewer'))).toBeFalsy();
  });

  it('ignores mailto:, tel: and javascript: links', () => {
    expect(linkEventName(link('mailto:hi@example.com'))).toBeFalsy();
    expect(linkEventName(link('tel:+4912345'))).toBeFalsy();
    expect(linkEventName(link('javascript:void(0)'))).toBeFalsy();
  });
});
