import { describe, expect, it } from 'vitest';
import { authFetch, signUp } from '../helpers/accounts';
import { createSite, send, workerFetch } from '../helpers/stack';

// The pages are the built dashboard (public/index.html): `npm run build` first, as `npm test` does.
const PAGE = { headers: { accept: 'text/html' } };

describe('security headers of the dashboard pages (public/_headers)', () => {
  // The single-page fallback serves index.html for every route of the dashboard.
  for (const path of ['/', '/login', '/sites/42', '/share/abc123', '/verify-email?token=x']) {
    it(`${path} carries the CSP, framing, HSTS, nosniff and referrer headers`, async () => {
      const response = await workerFetch(path, PAGE);
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
    });
  }

  it('the demo pages (a stand-in customer site with inline code) get their own policy, still unframeable', async () => {
    const response = await workerFetch('/demo/', PAGE);
    expect(await response.text()).toContain('Edgebear demo');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp.split(',')).toHaveLength(1);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('the tracker keeps its cache rule and gets nosniff once', async () => {
    const response = await workerFetch('/script.js');
    await response.arrayBuffer();
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600, stale-while-revalidate=86400');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('security headers of the Worker API', () => {
  it('a new API key is never stored by a cache', async () => {
    const account = await signUp();
    const response = await authFetch('/api/keys', {
      body: { name: 'ci' },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('2FA setup (the TOTP secret) is never stored by a cache', async () => {
    const account = await signUp();
    const response = await authFetch('/api/auth/2fa/setup', {
      body: {},
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('authenticated reads, errors and unknown API paths carry no-store and nosniff', async () => {
    const account = await signUp();
    for (const [path, status] of [
      ['/api/auth/me', 200],
      ['/api/sites', 200],
      ['/api/sites/999999999', 404],
      ['/api/no-such-route', 404],
    ] as const) {
      const response = await authFetch(path, { cookie: account.cookie });
      await response.arrayBuffer();
      expect(response.status, path).toBe(status);
      expect(response.headers.get('cache-control'), path).toBe('no-store');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  it('answers with an Authorization header carry no-store', async () => {
    const response = await workerFetch('/api/keys/whoami', {
      headers: { authorization: 'Bearer eb_nope' },
    });
    await response.arrayBuffer();
    expect(response.status).toBe(401);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('ingest keeps its CORS headers and gains nosniff', async () => {
    const site = await createSite();
    const response = await send('/api/event', {
      n: 'pageview',
      u: `https://${site.domain}/`,
      d: site.domain,
    });
    await response.arrayBuffer();
    expect(response.status).toBe(202);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const preflight = await workerFetch('/api/event', { method: 'OPTIONS' });
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(preflight.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
