import { describe, expect, it } from 'vitest';
import { deviceForWidth, parseUserAgent } from '../../../../workers/ingest/enrich/user-agent';

const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  firefoxUbuntu: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  chromeIpad:
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1',
  samsungAndroid:
    'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
  chromebook:
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
};

describe('parseUserAgent', () => {
  it.each([
    ['desktop Chrome on Windows', UA.chromeWindows, ['Chrome', '120', 'Windows', '10', 'Desktop']],
    ['Safari on iPhone', UA.safariIphone, ['Safari', '17', 'iOS', '17', 'Mobile']],
    ['Chrome on Android', UA.chromeAndroid, ['Chrome', '120', 'Android', '14', 'Mobile']],
    ['Firefox on Linux', UA.firefoxLinux, ['Firefox', '121', 'Linux', '', 'Desktop']],
    ['Firefox on Ubuntu, folded into Linux', UA.firefoxUbuntu, ['Firefox', '121', 'Linux', '', 'Desktop']],
    ['Edge on Windows', UA.edgeWindows, ['Edge', '120', 'Windows', '10', 'Desktop']],
    ['Safari on macOS, keeping the 10.x minor', UA.safariMac, ['Safari', '17', 'macOS', '10.15', 'Desktop']],
    ['Chrome on iPad', UA.chromeIpad, ['Chrome', '120', 'iOS', '16', 'Tablet']],
    ['Samsung Internet', UA.samsungAndroid, ['Samsung Internet', '23', 'Android', '13', 'Mobile']],
    ['Chrome on a Chromebook', UA.chromebook, ['Chrome', '120', 'ChromeOS', '14541', 'Desktop']],
  ])('recognises %s', (_label, ua, [browser, browserVersion, os, osVersion, device]) => {
    expect(parseUserAgent(ua, null)).toEqual({
      browser,
      browser_version: browserVersion,
      os,
      os_version: osVersion,
      device,
    });
  });

  it('gives empty fields for an agent it cannot read', () => {
    expect(parseUserAgent('', null)).toEqual({
      browser: '',
      browser_version: '',
      os: '',
      os_version: '',
      device: '',
    });
  });

  it('takes the device class from the viewport width when the tracker sent one', () => {
    expect(parseUserAgent(UA.chromeWindows, 400).device).toBe('Mobile');
    expect(parseUserAgent(UA.safariIphone, 1024).device).toBe('Desktop');
    expect(parseUserAgent(UA.chromeIpad, 820).device).toBe('Tablet');
  });

  it('returns the same answer from its cache as from a fresh parse', () => {
    const first = parseUserAgent(UA.edgeWindows, null);
    for (let i = 0; i < 1500; i++) parseUserAgent(`${UA.firefoxLinux} filler/${i}`, null);
    expect(parseUserAgent(UA.edgeWindows, null)).toEqual(first);
    expect(parseUserAgent(UA.edgeWindows, null)).toEqual(first);
  });

  it('reads names captured from the agent without tripping over object keys', () => {
    expect(typeof parseUserAgent('constructor/1.0', null).browser).toBe('string');
  });
});

describe('deviceForWidth', () => {
  it.each([
    [0, 'Mobile'],
    [375, 'Mobile'],
    [575, 'Mobile'],
    [576, 'Tablet'],
    [991, 'Tablet'],
    [992, 'Desktop'],
    [1440, 'Desktop'],
    [3840, 'Desktop'],
  ])('classes %i px as %s', (width, device) => {
    expect(deviceForWidth(width)).toBe(device);
  });
});
