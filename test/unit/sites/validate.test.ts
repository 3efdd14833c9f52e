import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../functions/errors';
import {
  canonicalHostname,
  parseAllowedHostnames,
  parseDomain,
  parseExcludedPaths,
  parseSharedLink,
  parseTimezone,
} from '../../../functions/sites/validate';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return `${error.status} ${error.code}`;
    throw error;
  }
  return undefined;
}

describe('parseDomain', () => {
  it('lower-cases, trims and strips www.', () => {
    expect(parseDomain('  WWW.Example.COM ')).toBe('example.com');
    expect(parseDomain('blog.example.co.uk')).toBe('blog.example.co.uk');
    expect(parseDomain('example.com.')).toBe('example.com');
  });

  it('stores internationalised names in punycode, as browsers send them', () => {
    expect(parseDomain('bücher.example')).toBe('xn--bcher-kva.example');
  });

  it.each([
    'https://example.com',
    'example.com/blog',
    'example.com:8080',
    'user@example.com',
    'localhost',
    '192.168.0.1',
    'exa mple.com',
    '-bad.example.com',
    'www',
    '',
    "example.com'; DROP TABLE sites; --",
    'example.com" OR "1"="1',
    `${'a'.repeat(64)}.com`,
  ])('refuses %j with 400 invalid_domain', (input) => {
    expect(codeOf(() => parseDomain(input))).toBe('400 invalid_domain');
  });

  it('refuses anything but a string', () => {
    expect(codeOf(() => parseDomain(42))).toBe('400 invalid_domain');
    expect(codeOf(() => parseDomain(undefined))).toBe('400 invalid_domain');
  });
});

describe('parseTimezone', () => {
  it('accepts IANA names and returns their canonical spelling', () => {
    expect(parseTimezone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(parseTimezone('UTC')).toBe('UTC');
    expect(parseTimezone('america/new_york')).toBe('America/New_York');
  });

  it.each(['Mars/Olympus_Mons', '', 'Europe/Berlin; DROP TABLE sites', 7])('refuses %j', (input) => {
    expect(codeOf(() => parseTimezone(input))).toBe('400 invalid_timezone');
  });
});

describe('parseAllowedHostnames', () => {
  it('keeps exact hosts and *. wildcards, canonical and without duplicates', () => {
    expect(parseAllowedHostnames(['Shop.Example.com', '*.example.org', 'shop.example.com'])).toEqual([
      'shop.example.com',
      '*.example.org',
    ]);
  });

  it.each([['https://shop.example.com'], ['*example.com'], ['shop.*.com'], [3], 'shop.example.com'])(
    'refuses %j',
    (input) => {
      expect(codeOf(() => parseAllowedHostnames(input))).toBe('400 invalid_allowed_hostnames');
    },
  );
});

describe('parseExcludedPaths', () => {
  it('keeps path patterns', () => {
    expect(parseExcludedPaths(['/admin/**', '/blog/*/edit', '/preview'])).toEqual([
      '/admin/**',
      '/blog/*/edit',
      '/preview',
    ]);
  });

  it.each([['admin'], ['/a b'], ['/x?y=1'], ['/***'], [null], '/admin'])('refuses %j', (input) => {
    expect(codeOf(() => parseExcludedPaths(input))).toBe('400 invalid_excluded_paths');
  });

  it('refuses more than 50 patterns', () => {
    const many = Array.from({ length: 51 }, (_, i) => `/p${i}`);
    expect(codeOf(() => parseExcludedPaths(many))).toBe('400 invalid_excluded_paths');
  });
});

describe('parseSharedLink', () => {
  it('null removes the link; an object creates, rotates or sets a password', () => {
    expect(parseSharedLink(null)).toBeNull();
    expect(parseSharedLink({})).toEqual({ rotate: false, password: undefined });
    expect(parseSharedLink({ rotate: true, password: 'long enough' })).toEqual({
      rotate: true,
      password: 'long enough',
    });
    expect(parseSharedLink({ password: null })).toEqual({ rotate: false, password: null });
  });

  it('refuses short passwords and other shapes', () => {
    expect(codeOf(() => parseSharedLink({ password: 'short' }))).toBe('400 invalid_shared_link');
    expect(codeOf(() => parseSharedLink('yes'))).toBe('400 invalid_shared_link');
    expect(codeOf(() => parseSharedLink({ rotate: 'yes' }))).toBe('400 invalid_shared_link');
  });
});

describe('canonicalHostname', () => {
  it('drops a trailing dot and refuses IPv4 addresses in any spelling', () => {
    expect(canonicalHostname('Example.com.')).toBe('example.com');
    expect(canonicalHostname('0x7f.1')).toBeNull();
  });
});
