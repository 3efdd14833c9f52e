import { describe, expect, it } from 'vitest';
import { linkEventName } from '../../../tracker/src/clicks';

function link(href: string) {
  const url = new URL(href);
  return { protocol: url.protocol, host: url.host, pathname: url.pathname };
}

describe('linkEventName', () => {
  it('reports a link to another site as an outbound click', () => {
    expect(linkEventName(link('https://github.com/edgebear'), 'example.com')).toBe('Outbound Link: Click');
  });

  it('treats another port or subdomain as another site', () => {
    expect(linkEventName(link('https://docs.example.com/'), 'example.com')).toBe('Outbound Link: Click');
    expect(linkEventName(link('http://127.0.0.1:9000/'), '127.0.0.1:8787')).toBe('Outbound Link: Click');
  });

  it('ignores same-site links', () => {
    expect(linkEventName(link('https://example.com/about'), 'example.com')).toBeUndefined();
  });

  it('reports common file types as downloads, same-site or not, in any case', () => {
    expect(linkEventName(link('https://example.com/report.PDF'), 'example.com')).toBe('File Download');
    expect(linkEventName(link('https://cdn.example.net/app-1.2.dmg?sig=x'), 'example.com')).toBe(
      'File Download',
    );
    expect(linkEventName(link('https://example.com/data.tar.gz'), 'example.com')).toBe('File Download');
  });

  it('does not take a path that merely contains an extension for a download', () => {
    expect(linkEventName(link('https://example.com/pdf/viewer'), 'example.com')).toBeUndefined();
  });

  it('ignores mailto:, tel: and javascript: links', () => {
    expect(linkEventName(link('mailto:hi@example.com'), 'example.com')).toBeUndefined();
    expect(linkEventName(link('tel:+4912345'), 'example.com')).toBeUndefined();
    expect(linkEventName(link('javascript:void(0)'), 'example.com')).toBeUndefined();
  });
});
