import { afterEach, describe, expect, it, vi } from 'vitest';

interface Visit {
  /** The `<script>` tag's options (mocked). */
  allowLocal?: boolean;
  respectDnt?: boolean;
  hashMode?: boolean;
  url?: string;
  optedOut?: string;
  storageBlocked?: boolean;
  webdriver?: boolean;
  doNotTrack?: string | null;
  globalPrivacyControl?: boolean;
  /** Whether `fetch` supports `keepalive` (else the tracker falls back to `sendBeacon`). */
  keepalive?: boolean;
}

const API = 'https://edgebear.example/api/event';

/**
 * `send` in a browser described by `visit`: stubs the globals it reads (localStorage, location,
 * navigator, document, fetch, Request) and records what goes over the network.
 */
async function visit({
  allowLocal = false,
  respectDnt = false,
  hashMode = false,
  url = 'https://example.com/',
  optedOut,
  storageBlocked,
  keepalive = true,
  ...signals
}: Visit = {}) {
  vi.resetModules();
  vi.doMock('../../../tracker/src/options', () => ({
    domain: 'example.com',
    api: API,
    hashMode,
    allowLocal,
    respectDnt,
  }));
  vi.stubGlobal('location', new URL(url));
  vi.stubGlobal('document', { referrer: 'https://hn.example/' });
  vi.stubGlobal('innerWidth', 1280);
  const beacons: { url: string; body: string }[] = [];
  vi.stubGlobal('navigator', {
    webdriver: false,
    doNotTrack: null,
    ...signals,
    sendBeacon: (to: string, body: string) => beacons.push({ url: to, body }),
  });
  if (storageBlocked) {
    vi.stubGlobal('localStorage', {
      get edgebear_ignore(): string {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  } else vi.stubGlobal('localStorage', optedOut === undefined ? {} : { edgebear_ignore: optedOut });
  vi.stubGlobal('Request', { prototype: keepalive ? { keepalive: false } : {} });
  const fetches: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (to: string, init: RequestInit) => {
      fetches.push({ url: to, init });
      return new Response(null, { status: 202 });
    }),
  );
  const { send, track } = await import('../../../tracker/src/send');
  /** The bodies sent, parsed, by either transport. */
  const sent = () =>
    [...fetches.map((f) => f.init.body), ...beacons.map((b) => b.body)].map((b) => JSON.parse(String(b)));
  return { send, track, fetches, beacons, sent };
}

afterEach(() => {
  vi.doUnmock('../../../tracker/src/options');
  vi.unstubAllGlobals();
});

describe('what goes over the wire', () => {
  it('sends a pageview as {n,u,d,r,w,h}', async () => {
    const { send, sent } = await visit();
    send('pageview', 'https://example.com/pricing');
    expect(sent()).toEqual([
      {
        n: 'pageview',
        u: 'https://example.com/pricing',
        d: 'example.com',
        r: 'https://hn.example/',
        w: 1280,
        h: false,
      },
    ]);
  });

  it('carries props, revenue and interactive under their long keys, without the callback', async () => {
    const { send, sent } = await visit();
    send('Signup', 'https://example.com/', {
      props: { plan: 'pro' },
      revenue: { currency: 'EUR', amount: 9.99 },
      interactive: false,
      callback: () => {},
    });
    expect(sent()[0]).toEqual({
      n: 'Signup',
      u: 'https://example.com/',
      d: 'example.com',
      r: 'https://hn.example/',
      w: 1280,
      h: false,
      props: { plan: 'pro' },
      revenue: { currency: 'EUR', amount: 9.99 },
      interactive: false,
    });
  });

  it('does not let options override the short keys', async () => {
    const { send, sent } = await visit();
    send('Signup', 'https://example.com/', { n: 'other', u: 'x', d: 'evil.test' } as never);
    expect(sent()[0]).toMatchObject({ n: 'Signup', u: 'https://example.com/', d: 'example.com' });
  });

  it('marks hash-mode events with h: true', async () => {
    const { send, sent } = await visit({ hashMode: true });
    send('pageview', 'https://example.com/#/a');
    expect(sent()[0].h).toBe(true);
  });

  it('adds the fields of engagement and performance events', async () => {
    const { send, sent } = await visit();
    send('engagement', 'https://example.com/', { i: false, sd: 80, e: 12500 });
    expect(sent()[0]).toMatchObject({ n: 'engagement', i: false, sd: 80, e: 12500 });
  });

  it('tracks an event on the current page, without its fragment', async () => {
    vi.doMock('../../../tracker/src/url', () => ({ pageUrl: () => 'https://example.com/now' }));
    const { track, sent } = await visit();
    track('Signup');
    vi.doUnmock('../../../tracker/src/url');
    expect(sent()[0]).toMatchObject({ n: 'Signup', u: 'https://example.com/now' });
  });
});

describe('transport', () => {
  it('posts a string body (text/plain, no preflight) with keepalive and no credentials option', async () => {
    const { send, fetches } = await visit();
    send('pageview', 'https://example.com/');
    expect(fetches).toHaveLength(1);
    expect(fetches[0]?.url).toBe(API);
    expect(fetches[0]?.init).toMatchObject({ method: 'POST', keepalive: true });
    expect(typeof fetches[0]?.init.body).toBe('string');
  });

  it('falls back to sendBeacon where fetch has no keepalive', async () => {
    const { send, fetches, beacons } = await visit({ keepalive: false });
    const callback = vi.fn();
    send('pageview', 'https://example.com/', { callback });
    expect(fetches).toEqual([]);
    expect(beacons).toHaveLength(1);
    expect(beacons[0]?.url).toBe(API);
    expect(callback).toHaveBeenCalledOnce();
  });

  it('runs the callback once the request has settled, even when it fails', async () => {
    const { send } = await visit();
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    const settled = new Promise<void>((callback) => send('Signup', 'https://example.com/', { callback }));
    await expect(settled).resolves.toBeUndefined();
  });

  it('never throws into the page, even for props that cannot be serialised', async () => {
    const { send, sent } = await visit();
    expect(() => send('Signup', 'https://example.com/', { props: { big: 1n } as never })).not.toThrow();
    expect(sent()).toEqual([]);
  });
});

describe('exclusion', () => {
  /** Whether an event sent from this visit goes out; the callback runs either way. */
  async function sends(browser: Visit): Promise<boolean> {
    const { send, sent } = await visit(browser);
    const callback = vi.fn();
    send('pageview', 'https://example.com/', { callback });
    await vi.waitFor(() => expect(callback).toHaveBeenCalledOnce());
    return sent().length === 1;
  }

  it('lets an ordinary visit through', async () => {
    expect(await sends({})).toBe(true);
  });

  it('lets a visit through when storage is blocked', async () => {
    expect(await sends({ storageBlocked: true })).toBe(true);
  });

  it('stays silent once the visitor set localStorage.edgebear_ignore = "true"', async () => {
    expect(await sends({ optedOut: 'true' })).toBe(false);
    expect(await sends({ optedOut: 'true', allowLocal: true })).toBe(false);
    expect(await sends({ optedOut: 'false' })).toBe(true);
  });

  it.each(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'])(
    'excludes %s unless data-local is set',
    async (host) => {
      expect(await sends({ url: `http://${host}:8080/` })).toBe(false);
      expect(await sends({ url: `http://${host}:8080/`, allowLocal: true })).toBe(true);
    },
  );

  it('does not mistake hosts that merely start with "localhost" for local ones', async () => {
    expect(await sends({ url: 'https://localhost.example.com/' })).toBe(true);
  });

  it('excludes file: pages and automated browsers unless data-local is set', async () => {
    expect(await sends({ url: 'file:///home/me/page.html' })).toBe(false);
    expect(await sends({ webdriver: true })).toBe(false);
    expect(await sends({ webdriver: true, allowLocal: true })).toBe(true);
  });

  it('honours Do-Not-Track and Global Privacy Control only when the site asks', async () => {
    expect(await sends({ doNotTrack: '1', respectDnt: true })).toBe(false);
    expect(await sends({ doNotTrack: '1' })).toBe(true);
    expect(await sends({ globalPrivacyControl: true, respectDnt: true })).toBe(false);
    expect(await sends({ doNotTrack: '0', respectDnt: true })).toBe(true);
  });
});
