import { describe, expect, it } from 'vitest';
import { authFetch, signUp } from '../helpers/accounts';

type ErrorBody = { error: { code: string; message: string } };

/** Every route that needs a signed-in session, with a body where it takes one. */
const SESSION_ROUTES: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/api/auth/me' },
  { method: 'POST', path: '/api/auth/logout', body: {} },
  { method: 'POST', path: '/api/auth/verify-email/resend', body: {} },
  { method: 'POST', path: '/api/auth/change-password', body: { current_password: 'x', new_password: 'y' } },
  { method: 'POST', path: '/api/auth/2fa/setup', body: {} },
  { method: 'POST', path: '/api/auth/2fa/enable', body: { code: '123456' } },
  { method: 'POST', path: '/api/auth/2fa/disable', body: { password: 'x', code: '123456' } },
  { method: 'GET', path: '/api/auth/sessions' },
  { method: 'POST', path: '/api/auth/sessions/revoke-all', body: {} },
  { method: 'DELETE', path: '/api/auth/sessions/1' },
];

const STATE_CHANGING = SESSION_ROUTES.filter((route) => route.method !== 'GET');

describe('authentication', () => {
  it.each(SESSION_ROUTES)('$method $path without a session → 401', async ({ method, path, body }) => {
    const response = await authFetch(path, { method, body });
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).error.code).toBe('unauthorized');
  });

  it.each(SESSION_ROUTES)(
    '$method $path with a made-up session cookie → 401',
    async ({ method, path, body }) => {
      const response = await authFetch(path, {
        method,
        body,
        cookie: 'eb_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        csrf: 'x',
      });
      expect(response.status).toBe(401);
    },
  );

  it('POST /api/auth/login/2fa without a pending sign-in → 401', async () => {
    const account = await signUp();
    const response = await authFetch('/api/auth/login/2fa', {
      body: { code: '123456' },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(response.status).toBe(401);
  });
});

describe('CSRF', () => {
  it.each(STATE_CHANGING)('$method $path with a session but no X-CSRF-Token → 403 csrf', async (route) => {
    const account = await signUp();
    const response = await authFetch(route.path, {
      method: route.method,
      body: route.body,
      cookie: account.cookie,
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorBody).error.code).toBe('csrf');
  });

  it('refuses a token of another session', async () => {
    const a = await signUp();
    const b = await signUp();
    const response = await authFetch('/api/auth/sessions/revoke-all', {
      method: 'POST',
      body: {},
      cookie: a.cookie,
      csrf: b.csrf,
    });
    expect(response.status).toBe(403);
  });

  it('accepts the token from GET /api/auth/me', async () => {
    const account = await signUp();
    const me = (await (await authFetch('/api/auth/me', { cookie: account.cookie })).json()) as {
      csrf_token: string;
    };
    const response = await authFetch('/api/auth/sessions/revoke-all', {
      method: 'POST',
      body: {},
      cookie: account.cookie,
      csrf: me.csrf_token,
    });
    expect(response.status).toBe(200);
  });

  it('refuses a cross-site login (foreign Origin) with 403', async () => {
    const account = await signUp();
    const response = await authFetch('/api/auth/login', {
      body: { email: account.email, password: account.password },
      headers: { origin: 'https://evil.example' },
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorBody).error.code).toBe('csrf');
  });

  it('accepts a same-origin login', async () => {
    const account = await signUp();
    const response = await authFetch('/api/auth/login', {
      body: { email: account.email, password: account.password },
      headers: { origin: 'http://edgebear.test' },
    });
    expect(response.status).toBe(200);
  });

  it('refuses form-encoded signup and login (what a cross-site form can send) with 415', async () => {
    for (const path of ['/api/auth/login', '/api/auth/signup']) {
      const response = await authFetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(response.status).toBe(415);
    }
  });
});
