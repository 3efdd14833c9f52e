import { describe, expect, it } from 'vitest';
import { isExcluded, type NavigatorSignals } from '../../../tracker/src/exclusion';

const site = { protocol: 'https:', hostname: 'example.com' };
const browser: NavigatorSignals = { webdriver: false, doNotTrack: null };

describe('isExcluded', () => {
  it('lets an ordinary visit through', () => {
    expect(isExcluded(site, browser, null, false, false)).toBe(false);
  });

  it('stays silent once the visitor set localStorage.edgebear_ignore = "true"', () => {
    expect(isExcluded(site, browser, 'true', false, false)).toBe(true);
    expect(isExcluded(site, browser, 'true', true, false)).toBe(true);
    expect(isExcluded(site, browser, 'false', false, false)).toBe(false);
  });

  it.each(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'])(
    'excludes %s unless data-local is set',
    (hostname) => {
      const local = { protocol: 'http:', hostname };
      expect(isExcluded(local, browser, null, false, false)).toBe(true);
      expect(isExcluded(local, browser, null, true, false)).toBe(false);
    },
  );

  it('does not mistake hosts that merely start with "localhost" for local ones', () => {
    expect(
      isExcluded({ protocol: 'https:', hostname: 'localhost.example.com' }, browser, null, false, false),
    ).toBe(false);
  });

  it('excludes file: pages and automated browsers unless data-local is set', () => {
    expect(isExcluded({ protocol: 'file:', hostname: '' }, browser, null, false, false)).toBe(true);
    expect(isExcluded(site, { webdriver: true }, null, false, false)).toBe(true);
    expect(isExcluded(site, { webdriver: true }, null, true, false)).toBe(false);
  });

  it('honours Do-Not-Track and Global Privacy Control only when the site asks', () => {
    expect(isExcluded(site, { doNotTrack: '1' }, null, false, true)).toBe(true);
    expect(isExcluded(site, { globalPrivacyControl: true }, null, false, true)).toBe(true);
    expect(isExcluded(site, { doNotTrack: '1', globalPrivacyControl: true }, null, false, false)).toBe(false);
    expect(isExcluded(site, { doNotTrack: '0' }, null, false, true)).toBe(false);
  });
});
