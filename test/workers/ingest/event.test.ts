import { describe, expect, it } from 'vitest';
import { createSite, pageview, rows, send, waitForRows, workerFetch } from '../helpers/stack';

interface StoredEvent {
  site_id: number;
  kind: string;
  name: string;
  pathname: string;
  hostname: string;
  referrer_source: string;
  channel: string;
  utm_source: string;
  utm_medium: string;
  browser: string;
  os: string;
  device: string;
  visitor_id: string;
  props: Record<string, string>;
  revenue_amount: string;
  revenue_currency: string;
  lcp_ms: number | null;
  cls: number | null;
  scroll_depth: number | null;
  engaged_ms: number | null;
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return body.error;
}

describe('POST /api/event', () => {
  it('accepts a Plausible pageview and stores it enriched in ClickHouse', async () => {
    const site = await createSite();
    const res = await send(
      '/api/event',
      pageview(site.domain, `https://${site.domain}/pricing?ref=x&utm_medium=social`),
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('x-edgebear-dropped')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const stored = await waitForRows<StoredEvent>(
      'SELECT * FROM events WHERE site_id = {site:UInt32}',
      { site: site.id },
      1,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      kind: 'pageview',
      name: 'pageview',
      pathname: '/pricing',
      hostname: site.domain,
      // A `ref` tag names the source ahead of the referrer, as in Plausible.
      referrer_source: 'X (Twitter)',
      utm_source: 'x',
      utm_medium: 'social',
      browser: 'Chrome',
      os: 'Windows',
    });
  });

  it('names the source from the referrer when no tag names it', async () => {
    const site = await createSite();
    await send('/api/event', pageview(site.domain, `https://${site.domain}/`));
    const stored = await waitForRows<StoredEvent>(
      'SELECT * FROM events WHERE site_id = {site:UInt32}',
      { site: site.id },
      1,
    );
    expect(stored[0]).toMatchObject({ referrer_source: 'Hacker News', channel: 'Organic Social' });
  });

  it('accepts long keys, custom events with props and revenue, engagement and performance', async () => {
    const site = await createSite();
    const url = `https://${site.domain}/checkout`;
    const sent = await Promise.all([
      send('/api/event', {
        name: 'Signup',
        url,
        domain: site.domain,
        props: { plan: 'pro', seats: 3 },
        revenue: { currency: 'EUR', amount: 9.99 },
      }),
      send('/api/event', { n: 'engagement', u: url, d: site.domain, sd: 75, e: 12_000, i: false }),
      send('/api/event', {
        n: 'performance',
        u: url,
        d: site.domain,
        v: { lcp: 1234, cls: 0.05, ttfb: 90, dns: 4 },
        i: false,
      }),
    ]);
    expect(sent.map((r) => r.status)).toEqual([202, 202, 202]);
    const stored = await waitForRows<StoredEvent>(
      'SELECT * FROM events WHERE site_id = {site:UInt32} ORDER BY kind',
      { site: site.id },
      3,
    );
    const byKind = Object.fromEntries(stored.map((e) => [e.kind, e]));
    expect(byKind.custom).toMatchObject({
      name: 'Signup',
      props: { plan: 'pro', seats: '3' },
      revenue_currency: 'EUR',
    });
    expect(Number(byKind.custom?.revenue_amount)).toBeCloseTo(9.99, 6);
    expect(byKind.engagement).toMatchObject({ scroll_depth: 75, engaged_ms: 12_000 });
    expect(byKind.performance?.lcp_ms).toBe(1234);
    expect(byKind.performance?.cls).toBeCloseTo(0.05, 5);
  });

  it('accepts an Umami payload on /api/send with the public site key', async () => {
    const site = await createSite();
    const res = await send('/api/send', {
      type: 'event',
      payload: {
        website: site.key,
        hostname: site.domain,
        url: '/docs',
        referrer: '',
        screen: '390x844',
        language: 'en',
      },
    });
    expect(res.status).toBe(202);
    const stored = await waitForRows<StoredEvent>(
      'SELECT * FROM events WHERE site_id = {site:UInt32}',
      { site: site.id },
      1,
    );
    expect(stored[0]).toMatchObject({ pathname: '/docs', kind: 'pageview' });
  });

  it('never stores the IP or the raw user agent in any column', async () => {
    const site = await createSite();
    const ip = '203.0.113.199';
    const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0 UniqueMarker/42';
    expect((await send('/api/event', pageview(site.domain), { ip, ua })).status).toBe(202);
    const stored = await waitForRows<Record<string, unknown>>(
      'SELECT * FROM events WHERE site_id = {site:UInt32}',
      { site: site.id },
      1,
    );
    const text = JSON.stringify(stored);
    expect(text).not.toContain(ip);
    expect(text).not.toContain('UniqueMarker');
    expect(text).not.toContain('X11; Linux');
  });

  describe('refuses bad input with 400 and a code, storing nothing', () => {
    const cases: [string, (domain: string) => unknown, string][] = [
      ['a body that is not JSON', () => 'not json', 'invalid_json'],
      ['a JSON array', () => [1, 2], 'invalid_json'],
      ['a missing name', (d) => ({ u: `https://${d}/`, d }), 'missing_field'],
      ['a missing url', (d) => ({ n: 'pageview', d }), 'missing_field'],
      ['a missing domain', (d) => ({ n: 'pageview', u: `https://${d}/` }), 'missing_field'],
      ['a relative url', (d) => ({ n: 'pageview', u: '/about', d }), 'invalid_url'],
      ['a javascript: url', (d) => ({ n: 'pageview', u: 'javascript:alert(1)', d }), 'invalid_url'],
      [
        'a url over 2,000 characters',
        (d) => ({ n: 'pageview', u: `https://${d}/${'a'.repeat(2001)}`, d }),
        'too_long',
      ],
      [
        'a referrer over 2,000 characters',
        (d) => ({ n: 'pageview', u: `https://${d}/`, d, r: `https://x.com/${'a'.repeat(2001)}` }),
        'too_long',
      ],
      [
        'an event name over 120 characters',
        (d) => ({ n: 'x'.repeat(121), u: `https://${d}/`, d }),
        'too_long',
      ],
      [
        'more than 30 props',
        (d) => ({
          n: 'Click',
          u: `https://${d}/`,
          d,
          p: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v'])),
        }),
        'too_many_props',
      ],
      [
        'a prop key over 300 characters',
        (d) => ({ n: 'Click', u: `https://${d}/`, d, p: { ['k'.repeat(301)]: 'v' } }),
        'too_long',
      ],
      [
        'a prop value over 2,000 characters',
        (d) => ({ n: 'Click', u: `https://${d}/`, d, p: { k: 'v'.repeat(2001) } }),
        'too_long',
      ],
      [
        'revenue without a valid currency',
        (d) => ({ n: 'Buy', u: `https://${d}/`, d, $: { currency: 'EURO', amount: 1 } }),
        'invalid_revenue',
      ],
      [
        'revenue with a non-numeric amount',
        (d) => ({ n: 'Buy', u: `https://${d}/`, d, $: { currency: 'EUR', amount: 'lots' } }),
        'invalid_revenue',
      ],
    ];
    for (const [what, body, code] of cases) {
      it(`${what} → ${code}`, async () => {
        const site = await createSite();
        const res = await send('/api/event', body(site.domain));
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/json');
        const error = await errorOf(res);
        expect(error.code).toBe(code);
        expect(error.message.length).toBeGreaterThan(5);
      });
    }

    it('a body over 16 KB → 413 body_too_large', async () => {
      const site = await createSite();
      const res = await send('/api/event', { ...pageview(site.domain), p: { pad: 'x'.repeat(17_000) } });
      expect(res.status).toBe(413);
      expect((await errorOf(res)).code).toBe('body_too_large');
    });

    it('a body under 16 K characters but over 16 KB of UTF-8 → 413 body_too_large', async () => {
      const site = await createSite();
      const res = await send('/api/event', { ...pageview(site.domain), p: { pad: '€'.repeat(5_500) } });
      expect(res.status).toBe(413);
      expect((await errorOf(res)).code).toBe('body_too_large');
    });

    it('a streamed body without Content-Length is cut at 16 KB → 413 body_too_large', async () => {
      const site = await createSite();
      const chunk = new TextEncoder().encode('x'.repeat(4_096));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0)
            controller.enqueue(new TextEncoder().encode(`{"n":"pageview","d":"${site.domain}","p":{"a":"`));
          controller.enqueue(chunk);
          sent++;
          if (sent > 64) controller.close();
        },
      });
      const res = await workerFetch('/api/event', {
        method: 'POST',
        headers: { 'cf-connecting-ip': '198.51.100.9' },
        body: stream,
      });
      expect(res.status).toBe(413);
      expect((await errorOf(res)).code).toBe('body_too_large');
      // The reader stopped at the cap instead of taking all 256 KB.
      expect(sent).toBeLessThan(64);
    });

    it('nothing from refused requests reaches ClickHouse', async () => {
      const site = await createSite();
      await send('/api/event', { n: 'pageview', u: '/nope', d: site.domain });
      await send('/api/event', pageview(site.domain)); // one good event as a marker
      await waitForRows('SELECT 1 FROM events WHERE site_id = {site:UInt32}', { site: site.id }, 1);
      await new Promise((r) => setTimeout(r, 500));
      const all = await rows('SELECT pathname FROM events WHERE site_id = {site:UInt32}', { site: site.id });
      expect(all).toEqual([{ pathname: '/pricing' }]);
    });
  });

  describe('drops with 202 and a reason header', () => {
    it('unknown sites', async () => {
      const res = await send('/api/event', pageview('never-registered.example'));
      expect(res.status).toBe(202);
      expect(res.headers.get('x-edgebear-dropped')).toBe('unknown_site');
    });

    it('hostnames the site does not allow', async () => {
      const site = await createSite();
      const res = await send('/api/event', pageview(site.domain, 'https://evil.example/pricing'));
      expect(res.headers.get('x-edgebear-dropped')).toBe('hostname_not_allowed');
    });

    it('subdomains pass when the site has no allow-list', async () => {
      const site = await createSite();
      const res = await send('/api/event', pageview(site.domain, `https://blog.${site.domain}/x`));
      expect(res.headers.get('x-edgebear-dropped')).toBeNull();
    });

    it('an allow-list admits exactly its hostnames besides the domain', async () => {
      const site = await createSite({ allowed: ['staging.partner.example'] });
      const listed = await send('/api/event', pageview(site.domain, 'https://staging.partner.example/x'));
      const own = await send('/api/event', pageview(site.domain, `https://${site.domain}/x`));
      const other = await send('/api/event', pageview(site.domain, `https://blog.${site.domain}/x`));
      expect(listed.headers.get('x-edgebear-dropped')).toBeNull();
      expect(own.headers.get('x-edgebear-dropped')).toBeNull();
      expect(other.headers.get('x-edgebear-dropped')).toBe('hostname_not_allowed');
    });

    it('Umami identify calls', async () => {
      const site = await createSite();
      const res = await send('/api/send', {
        type: 'identify',
        payload: { website: site.key, data: { plan: 'pro' } },
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('x-edgebear-dropped')).toBe('unsupported');
    });

    it('bots by user agent', async () => {
      const site = await createSite();
      const res = await send('/api/event', pageview(site.domain), {
        ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      });
      expect(res.headers.get('x-edgebear-dropped')).toBe('bot');
    });

    it('headless automation', async () => {
      const site = await createSite();
      const res = await send('/api/event', pageview(site.domain), {
        ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
      });
      expect(['bot', 'automation']).toContain(res.headers.get('x-edgebear-dropped'));
    });

    it('referrer spam', async () => {
      const site = await createSite();
      const res = await send('/api/event', { ...pageview(site.domain), r: 'https://semalt.com/crawler' });
      expect(res.headers.get('x-edgebear-dropped')).toBe('referrer_spam');
    });

    it('Do-Not-Track and Global Privacy Control when the site opts in, not otherwise', async () => {
      const strict = await createSite({ respectDnt: true });
      const relaxed = await createSite();
      const a = await send('/api/event', pageview(strict.domain), { headers: { dnt: '1' } });
      const b = await send('/api/event', pageview(strict.domain), { headers: { 'sec-gpc': '1' } });
      const c = await send('/api/event', pageview(relaxed.domain), { headers: { dnt: '1' } });
      expect(a.headers.get('x-edgebear-dropped')).toBe('do_not_track');
      expect(b.headers.get('x-edgebear-dropped')).toBe('do_not_track');
      expect(c.headers.get('x-edgebear-dropped')).toBeNull();
    });
  });

  it('answers CORS preflights for any origin', async () => {
    const { workerFetch } = await import('../helpers/stack');
    const res = await workerFetch('/api/event', {
      method: 'OPTIONS',
      headers: { origin: 'https://customer.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});
