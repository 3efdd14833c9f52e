import { afterEach, describe, expect, it, vi } from 'vitest';
import { isExcluded } from '../../../tracker/src/exclusion';

interface Browser {
  url?: string;
  optedOut?: string;
  storageBlocked?: boolean;
  webdriver?: boolean;
  doNotTrack?: string | null;
  globalPrivacyControl?: boolean;
}

/** Stubs the globals `isExcluded` reads: location, localStorage, navigator. */
function visit({ url = 'https://example.com/', optedOut, storageBlocked, ...signals }: Browser = {}): void {
  vi.stubGlobal('location', new URL(url));
  vi.stubGlobal('navigator', { webdriver: false, doNotTrack: null, ...signals });
  if (storageBlocked) {
    vi.stubGlobal('localStorage', {
      get edgebear_ignore(): string {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  } else vi.stubGlobal('localStorage', optedOut === undefined ? {} : { edgebear_ignore: optedOut });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('isExcluded', () => {
  it('lets an ordinary visit through', () => {
    visit();
    expect(isExcluded(false, false)).toBe(false);
  });

  it('lets a visit through when storage is blocked', () => {
    visit({ storageBlocked: true });
    expect(isExcluded(false, false)).toBe(false);
  });

  it('stays silent once the visitor set localStorage.edgebear_ignore = "true"', () => {
    visit({ optedOut: 'true' });
    expect(isExcluded(false, false)).toBe(true);
    expect(isExcluded(true, false)).toBe(true);
    visit({ optedOut: 'false' });
    expect(isExcluded(false, false)).toBe(false);
  });

  it.each(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'])(
    'excludes %s unless data-local is set',
    (hostname) => {
      visit({ url: `http://${hostname}:8080/` });
      expect(isExcluded(false, false)).toBe(true);
      expect(isExcluded(true, false)).toBe(false);
    },
  );

  it('does not mistake hosts that merely start with "localhost" for local ones', () => {
    visit({ url: 'https://localhost.example.com/' });
    expect(isExcluded(false, false)).toBe(false);
  });

  it('excludes file: pages and automated browsers unless data-local is set', () => {
    visit({ url: 'file:///home/me/page.html' });
    expect(isExcluded(false, false)).toBe(true);
    visit({ webdriver: true });
    expect(isExcluded(false, false)).toBeTruthy();
    expect(isExcluded(true, false)).toBe(false);
  });

  it('honours Do-Not-Track and Global Privacy Control only when the site asks', () => {
    visit({ doNotTrack: '1' });
    expect(isExcluded(false, true)).toBe(true);
    expect(isExcluded(false, false)).toBe(false);
    visit({ globalPrivacyControl: true });
    expect(isExcluded(false, true)).toBe(true);
    visit({ doNotTrack: '0' });
    expect(isExcluded(false, true)).toBe(false);
  });
});
