import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** Events the click handler tracked: name and props. */
let tracked: { name: string; options: unknown }[];

async function load() {
  vi.resetModules();
  vi.doMock('../../../tracker/src/send', () => ({
    track: (name: string, options: unknown) => tracked.push({ name, options }),
  }));
  return import('../../../tracker/src/clicks');
}

/** A click with `button` on an element inside `<a href>`; a `URL` has the parts an anchor has. */
function clickOn(href: string | null, button = 0): MouseEvent {
  const link = href === null ? null : Object.assign(new URL(href), { href });
  return { button, target: { closest: (selector: string) => (selector === 'a' ? link : null) } } as never;
}

beforeEach(() => {
  tracked = [];
  vi.stubGlobal('location', new URL('https://example.com/blog'));
});

afterEach(() => {
  vi.doUnmock('../../../tracker/src/send');
  vi.unstubAllGlobals();
});

/** The name tracked for a click on a link to `href`, or undefined when nothing was tracked. */
async function nameFor(href: string | null, button?: number): Promise<string | undefined> {
  const { trackLinkClick } = await load();
  tracked = [];
  trackLinkClick(clickOn(href, button));
  return tracked[0]?.name;
}

describe('link clicks', () => {
  it('reports a link to another site as an outbound click, with its URL', async () => {
    const { trackLinkClick } = await load();
    trackLinkClick(clickOn('https://github.com/edgebear'));
    expect(tracked).toEqual([
      { name: 'Outbound Link: Click', options: { props: { url: 'https://github.com/edgebear' } } },
    ]);
  });

  it('treats another port or subdomain as another site', async () => {
    expect(await nameFor('https://docs.example.com/')).toBe('Outbound Link: Click');
    expect(await nameFor('https://example.com:8443/')).toBe('Outbound Link: Click');
  });

  it('ignores same-site links and anchors without href', async () => {
    expect(await nameFor('https://example.com/about')).toBeUndefined();
    expect(await nameFor(null)).toBeUndefined();
  });

  it('reports common file types as downloads, same-site or not, in any case', async () => {
    expect(await nameFor('https://example.com/report.PDF')).toBe('File Download');
    expect(await nameFor('https://cdn.example.net/app-1.2.dmg?sig=x')).toBe('File Download');
    expect(await nameFor('https://example.com/data.tar.gz')).toBe('File Download');
  });

  it('does not take a path that merely contains an extension for a download', async () => {
    expect(await nameFor('https://example.com/pdf/viewer')).toBeUndefined();
  });

  it('ignores mailto:, tel: and javascript: links', async () => {
    expect(await nameFor('mailto:hi@example.com')).toBeUndefined();
    expect(await nameFor('tel:+4912345')).toBeUndefined();
    expect(await nameFor('javascript:void(0)')).toBeUndefined();
  });

  it('counts the middle button (auxclick) but not the right one', async () => {
    expect(await nameFor('https://github.com/', 1)).toBe('Outbound Link: Click');
    expect(await nameFor('https://github.com/', 2)).toBeUndefined();
  });

  it('ignores clicks whose target is not an element', async () => {
    const { trackLinkClick } = await load();
    // e.g. a click dispatched on the document, which has no closest().
    expect(() => trackLinkClick({ button: 0, target: {} } as never)).not.toThrow();
    expect(tracked).toEqual([]);
  });
});
