import { describe, expect, it } from 'vitest';
import { authFetch, logIn, sessionCookieFrom, signUp, uniqueEmail } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

type ErrorBody = { error: { code: string; message: string } };

describe('POST /api/auth/login', () => {
  it('signs in with the right password and sets a fresh, hardened session cookie', async () => {
    const account = await signUp();
    const response = await logIn(account.email, account.password);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { id: number; email: string }; csrf_token: string };
    expect(body.user).toMatchObject({ id: account.userId, email: account.email });
    expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('eb_session='));
    expect(setCookie).toBeDefined();
    const attributes = (setCookie ?? '').split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('secure');
    expect(attributes).toContain('samesite=lax');
    expect(attributes).toContain('path=/');
    expect(attributes).toContain(`max-age=${30 * 24 * 3600}`);

    const me = await authFetch('/api/auth/me', { cookie: sessionCookieFrom(response) });
    expect(me.status).toBe(200);
  });

  it('gives a new session id at login and ends the session the browser had', async () => {
    const account = await signUp();
    const response = await logIn(account.email, account.password, { cookie: account.cookie });
    const fresh = sessionCookieFrom(response);
    expect(fresh).not.toBe('');
    expect(fresh).not.toBe(account.cookie);
    expect((await authFetch('/api/auth/me', { cookie: account.cookie })).status).toBe(401);
    expect((await authFetch('/api/auth/me', { cookie: fresh })).status).toBe(200);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const account = await signUp();
    const wrongPassword = await logIn(account.email, 'not the password at all');
    const unknownEmail = await logIn(uniqueEmail('nobody'), account.password);
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const a = (await wrongPassword.json()) as ErrorBody;
    const b = (await unknownEmail.json()) as ErrorBody;
    expect(a).toEqual({ error: { code: 'invalid_credentials', message: 'Email or password is incorrect.' } });
    expect(b).toEqual(a);
    expect(sessionCookieFrom(wrongPassword)).toBe('');
  });

  it('matches the email case-insensitively', async () => {
    const account = await signUp();
    expect((await logIn(account.email.toUpperCase(), account.password)).status).toBe(200);
  });

  it('records sign-ins and failures without the IP', async () => {
    const account = await signUp();
    await logIn(account.email, 'wrong password here', { cf: { country: 'FR', city: 'Lyon' } });
    await logIn(account.email, account.password, { cf: { country: 'FR', city: 'Lyon' } });
    const { results } = await testEnv.DB.prepare(
      'SELECT outcome, browser, os, country, city FROM login_events WHERE user_id = ?1 ORDER BY id',
    )
      .bind(account.userId)
      .all();
    expect(results).toEqual([
      { outcome: 'bad_password', browser: 'Firefox', os: 'macOS', country: 'FR', city: 'Lyon' },
      { outcome: 'success', browser: 'Firefox', os: 'macOS', country: 'FR', city: 'Lyon' },
    ]);
  });

  it('rejects bodies that are not JSON objects with 400', async () => {
    const response = await authFetch('/api/auth/login', { body: ['a'] });
    expect(response.status).toBe(400);
    const missing = await authFetch('/api/auth/login', { body: { email: 'a@example.com' } });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as ErrorBody).error.code).toBe('invalid_request');
  });
});

describe('POST /api/auth/logout', () => {
  it('ends the session and clears the cookie', async () => {
    const account = await signUp();
    const response = await authFetch('/api/auth/logout', {
      method: 'POST',
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(response.status).toBe(200);
    const cleared = response.headers.getSetCookie().find((line) => line.startsWith('eb_session='));
    expect(cleared).toMatch(/Max-Age=0/i);
    expect((await authFetch('/api/auth/me', { cookie: account.cookie })).status).toBe(401);
  });
});
