import { describe, expect, it } from 'vitest';
import { parseEventPayload, parseUmamiPayload } from '../../../../workers/ingest/payload/parse';
import { PayloadError } from '../../../../workers/ingest/payload/types';

const base = { n: 'pageview', u: 'https://example.com/pricing', d: 'example.com' };

function parse(payload: Record<string, unknown>) {
  return parseEventPayload(JSON.stringify(payload));
}

/** Runs `fn` and returns the PayloadError it throws, failing the test when it throws nothing or something else. */
function payloadError(fn: () => unknown): PayloadError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PayloadError) return error;
    throw error;
  }
  throw new Error('expected a PayloadError');
}

describe('parseEventPayload', () => {
  it('reads a minimal pageview with short keys', () => {
    expect(parse(base)).toEqual({
      domain: 'example.com',
      siteKey: '',
      kind: 'pageview',
      name: 'pageview',
      url: 'https://example.com/pricing',
      referrer: '',
      props: {},
      revenue: null,
      hashMode: false,
      interactive: true,
      screenWidth: null,
      scrollDepth: null,
      engagedMs: null,
      performance: {},
    });
  });

  it("accepts Plausible's long keys", () => {
    const event = parse({
      name: 'Signup',
      url: 'https://example.com/',
      domain: 'example.com',
      referrer: 'https://news.ycombinator.com/',
      props: { plan: 'pro' },
      revenue: { currency: 'usd', amount: 9.99 },
      hashMode: 1,
      interactive: false,
    });
    expect(event).toMatchObject({
      kind: 'custom',
      name: 'Signup',
      referrer: 'https://news.ycombinator.com/',
      props: { plan: 'pro' },
      revenue: { currency: 'USD', amount: '9.99' },
      hashMode: true,
      interactive: false,
    });
  });

  it('prefers short keys when both are sent', () => {
    expect(parse({ ...base, name: 'Other', n: 'Signup' }).name).toBe('Signup');
  });

  it('takes the first domain of a comma-separated list, lower-cased and without www', () => {
    expect(parse({ ...base, d: ' WWW.Example.com , rollup.example.com' }).domain).toBe('example.com');
  });

  it('takes an internationalised domain as punycode, as the sites API stores it', () => {
    expect(parse({ ...base, d: 'Bücher.example' }).domain).toBe('xn--bcher-kva.example');
    expect(parse({ ...base, d: 'xn--bcher-kva.example' }).domain).toBe('xn--bcher-kva.example');
  });

  it.each([
    ['a scheme', 'https://example.com'],
    ['a path', 'example.com/pricing'],
    ['a port', 'example.com:8080'],
    ['a space', 'exa mple.com'],
    ['user info', 'user@example.com'],
    ['a label over 63 characters', `${'a'.repeat(64)}.example`],
    ['an empty label', 'example..com'],
    ['a label starting with a hyphen', '-shop.example.com'],
    ['a single label', 'localhost'],
    ['an IPv4 address', '203.0.113.7'],
    ['a query', 'example.com?x=1'],
    ['a backslash', 'example.com\\evil'],
  ])('refuses a domain with %s as invalid_field', (_what, d) => {
    const error = payloadError(() => parse({ ...base, d }));
    expect(error.code).toBe('invalid_field');
    expect(error.message).toContain('d (domain)');
  });

  it('refuses a domain over 253 characters as too_long', () => {
    const d = `${Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')}.example`;
    expect(payloadError(() => parse({ ...base, d })).code).toBe('too_long');
  });

  it('checks only the first domain of a roll-up list, which is the one recorded', () => {
    expect(parse({ ...base, d: 'example.com,not a domain' }).domain).toBe('example.com');
  });

  it('reads the viewport width, rounded', () => {
    expect(parse({ ...base, w: 1280.4 }).screenWidth).toBe(1280);
  });

  it('treats only an explicit false as non-interactive', () => {
    expect(parse({ ...base, i: false }).interactive).toBe(false);
    expect(parse({ ...base, i: 0 }).interactive).toBe(false);
    expect(parse({ ...base, i: true }).interactive).toBe(true);
    expect(parse(base).interactive).toBe(true);
  });

  it('reads an engagement event with scroll depth and engaged time, clamping time to 30 minutes', () => {
    const event = parse({ ...base, n: 'engagement', sd: 80.4, e: 2 * 60 * 60 * 1000 });
    expect(event).toMatchObject({ kind: 'engagement', scrollDepth: 80, engagedMs: 30 * 60 * 1000 });
  });

  it('accepts an engagement event with only one of sd and e', () => {
    expect(parse({ ...base, n: 'engagement', e: 1500 })).toMatchObject({
      scrollDepth: null,
      engagedMs: 1500,
    });
    expect(parse({ ...base, n: 'engagement', sd: 0 })).toMatchObject({ scrollDepth: 0, engagedMs: null });
  });

  it('ignores sd and e on events that are not engagement', () => {
    expect(parse({ ...base, sd: 50, e: 100 })).toMatchObject({ scrollDepth: null, engagedMs: null });
  });

  it('maps performance timings to columns, rounding ms, clamping outliers and ignoring unknown keys', () => {
    const event = parse({
      ...base,
      n: 'performance',
      v: {
        lcp: 1200.6,
        inp: 80,
        cls: 0.123456,
        fcp: 900,
        ttfb: 200,
        dns: 10,
        conn: 30,
        dom: 700,
        load: 60 * 60 * 1000,
        future: 5,
      },
    });
    expect(event.kind).toBe('performance');
    expect(event.performance).toEqual({
      lcp_ms: 1201,
      inp_ms: 80,
      cls: 0.1235,
      fcp_ms: 900,
      ttfb_ms: 200,
      dns_ms: 10,
      connect_ms: 30,
      dom_interactive_ms: 700,
      load_ms: 10 * 60 * 1000,
    });
  });

  it('clamps an absurd CLS to 100', () => {
    expect(parse({ ...base, n: 'performance', v: { cls: 5000 } }).performance).toEqual({ cls: 100 });
  });

  describe('props', () => {
    it('turns numbers and booleans into strings', () => {
      expect(parse({ ...base, p: { count: 3, ratio: 0.5, ok: true, off: false, s: 'x' } }).props).toEqual({
        count: '3',
        ratio: '0.5',
        ok: 'true',
        off: 'false',
        s: 'x',
      });
    });

    it('accepts props sent as a JSON string', () => {
      expect(parse({ ...base, p: '{"plan":"pro","seats":5}' }).props).toEqual({ plan: 'pro', seats: '5' });
    });

    it('drops null and empty-string values silently', () => {
      expect(parse({ ...base, p: { a: null, b: '', c: 'kept' } }).props).toEqual({ c: 'kept' });
    });

    it('accepts exactly 30 props', () => {
      const props = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v']));
      expect(Object.keys(parse({ ...base, p: props }).props)).toHaveLength(30);
    });
  });

  describe('revenue', () => {
    it.each([
      [9.99, '9.99'],
      [0.1 + 0.2, '0.3'],
      [10, '10'],
      ['12.50', '12.5'],
      ['0.0000005', '0.000001'],
      ['1.23456749', '1.234567'],
      ['-5.25', '-5.25'],
      ['-0.0000001', '0'],
      ['999999999999.999999', '999999999999.999999'],
    ])('normalises amount %j to %s', (amount, expected) => {
      expect(parse({ ...base, n: 'Purchase', $: { currency: 'eur', amount } }).revenue).toEqual({
        currency: 'EUR',
        amount: expected,
      });
    });

    it('accepts revenue sent as a JSON string', () => {
      expect(parse({ ...base, n: 'Purchase', $: '{"currency":"GBP","amount":"3"}' }).revenue).toEqual({
        currency: 'GBP',
        amount: '3',
      });
    });
  });

  describe('rejects', () => {
    it.each<[string, string, () => unknown]>([
      ['invalid_json', 'JSON', () => parseEventPayload('{"n": "pageview",')],
      ['invalid_json', 'object', () => parseEventPayload('[1, 2]')],
      ['invalid_json', 'object', () => parseEventPayload('null')],
      ['missing_field', 'name', () => parse({ u: base.u, d: base.d })],
      ['missing_field', 'name', () => parse({ ...base, n: '  ' })],
      ['invalid_field', 'name', () => parse({ ...base, n: 42 })],
      ['too_long', 'name', () => parse({ ...base, n: 'x'.repeat(121) })],
      ['missing_field', 'url', () => parse({ n: 'pageview', d: base.d })],
      ['missing_field', 'domain', () => parse({ n: 'pageview', u: base.u })],
      ['missing_field', 'domain', () => parse({ ...base, d: ',' })],
      ['too_long', 'url', () => parse({ ...base, u: `https://example.com/${'a'.repeat(2000)}` })],
      ['invalid_url', 'url', () => parse({ ...base, u: '/relative/path' })],
      ['invalid_url', 'url', () => parse({ ...base, u: 'ftp://example.com/file' })],
      ['invalid_url', 'url', () => parse({ ...base, u: 'javascript:alert(1)' })],
      ['too_long', 'referrer', () => parse({ ...base, r: `https://a.com/${'a'.repeat(2000)}` })],
      ['invalid_field', 'referrer', () => parse({ ...base, r: 5 })],
      [
        'too_many_props',
        'props',
        () => parse({ ...base, p: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v'])) }),
      ],
      ['too_long', 'props', () => parse({ ...base, p: { ['k'.repeat(301)]: 'v' } })],
      ['too_long', 'props', () => parse({ ...base, p: { k: 'v'.repeat(2001) } })],
      ['invalid_props', 'props', () => parse({ ...base, p: { nested: { a: 1 } } })],
      ['invalid_props', 'props', () => parse({ ...base, p: { list: [1, 2] } })],
      ['invalid_props', 'props', () => parse({ ...base, p: '[1,2]' })],
      ['invalid_props', 'props', () => parse({ ...base, p: 'not json' })],
      ['invalid_props', 'props', () => parse({ ...base, p: 7 })],
      ['invalid_revenue', 'currency', () => parse({ ...base, $: { currency: 'EURO', amount: 1 } })],
      ['invalid_revenue', 'currency', () => parse({ ...base, $: { amount: 1 } })],
      ['invalid_revenue', 'amount', () => parse({ ...base, $: { currency: 'EUR', amount: 'ten' } })],
      ['invalid_revenue', 'amount', () => parse({ ...base, $: { currency: 'EUR', amount: '1e3' } })],
      ['invalid_revenue', 'amount', () => parse({ ...base, $: { currency: 'EUR', amount: 1e13 } })],
      ['invalid_revenue', 'amount', () => parse({ ...base, $: { currency: 'EUR' } })],
      ['invalid_revenue', 'revenue', () => parse({ ...base, $: [1] })],
      ['invalid_field', 'width', () => parse({ ...base, w: -1 })],
      ['invalid_field', 'width', () => parse({ ...base, w: 100_001 })],
      ['invalid_field', 'width', () => parse({ ...base, w: '1280' })],
      ['missing_field', 'sd', () => parse({ ...base, n: 'engagement' })],
      ['invalid_field', 'sd', () => parse({ ...base, n: 'engagement', sd: 101 })],
      ['invalid_field', 'e', () => parse({ ...base, n: 'engagement', e: -5 })],
      ['missing_field', 'v', () => parse({ ...base, n: 'performance' })],
      ['missing_field', 'v', () => parse({ ...base, n: 'performance', v: { unknown: 1 } })],
      ['invalid_field', 'v', () => parse({ ...base, n: 'performance', v: [1] })],
      ['invalid_field', 'v.lcp', () => parse({ ...base, n: 'performance', v: { lcp: -1 } })],
      ['invalid_field', 'v.inp', () => parse({ ...base, n: 'performance', v: { inp: '80' } })],
    ])('%s naming %s', (code, field, fn) => {
      const error = payloadError(fn);
      expect(error.code).toBe(code);
      expect(error.message).toContain(field);
    });
  });
});

describe('parseUmamiPayload', () => {
  const website = '4fb7fa4c-5b46-438d-94b3-3a8fb9bc2e8b';
  const umami = (payload: Record<string, unknown>, type = 'event') =>
    parseUmamiPayload(JSON.stringify({ type, payload }));

  it('reads a pageview, joining the path to the hostname', () => {
    const event = umami({
      website,
      hostname: 'example.com',
      url: '/blog/post?utm_source=newsletter',
      referrer: 'https://www.google.com/',
      title: 'A post',
      screen: '1920x1080',
      language: 'en-US',
    });
    expect(event).toEqual({
      domain: '',
      siteKey: website,
      kind: 'pageview',
      name: 'pageview',
      url: 'https://example.com/blog/post?utm_source=newsletter',
      referrer: 'https://www.google.com/',
      props: {},
      revenue: null,
      hashMode: false,
      interactive: true,
      screenWidth: 1920,
      scrollDepth: null,
      engagedMs: null,
      performance: {},
    });
  });

  it('reads a named event as a custom event with data as props', () => {
    const event = umami({
      website,
      hostname: 'example.com',
      url: '/pricing',
      name: 'signup-click',
      data: { plan: 'pro', seats: 3 },
    });
    expect(event).toMatchObject({ kind: 'custom', name: 'signup-click', props: { plan: 'pro', seats: '3' } });
  });

  it('accepts an absolute url', () => {
    expect(umami({ website, hostname: 'example.com', url: 'https://example.com/a' }).url).toBe(
      'https://example.com/a',
    );
  });

  it('refuses identify calls as unsupported', () => {
    const error = payloadError(() => umami({ website, data: { userId: 'u1' } }, 'identify'));
    expect(error.code).toBe('unsupported');
  });

  it.each<[string, string, () => unknown]>([
    ['invalid_json', 'JSON', () => parseUmamiPayload('nope')],
    ['missing_field', 'type', () => parseUmamiPayload(JSON.stringify({ payload: {} }))],
    ['invalid_field', 'type', () => parseUmamiPayload(JSON.stringify({ type: 'track', payload: {} }))],
    ['missing_field', 'payload', () => parseUmamiPayload(JSON.stringify({ type: 'event' }))],
    ['missing_field', 'payload.website', () => umami({ hostname: 'example.com', url: '/' })],
    ['missing_field', 'payload.url', () => umami({ website, hostname: 'example.com' })],
    ['missing_field', 'payload.hostname', () => umami({ website, url: '/' })],
    ['invalid_url', 'payload.hostname', () => umami({ website, hostname: 'evil.com/x?', url: '/' })],
    [
      'invalid_field',
      'payload.screen',
      () => umami({ website, hostname: 'example.com', url: '/', screen: 'big' }),
    ],
    [
      'invalid_props',
      'payload.data',
      () => umami({ website, hostname: 'a.com', url: '/', name: 'x', data: { a: {} } }),
    ],
  ])('rejects with %s naming %s', (code, field, fn) => {
    const error = payloadError(fn);
    expect(error.code).toBe(code);
    expect(error.message).toContain(field);
  });
});
