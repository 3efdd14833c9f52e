import { describe, expect, it } from 'vitest';
import { authFetch, sessionCookieFrom, signUp, uniqueEmail } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

describe('POST /api/auth/signup', () => {
  it('creates a user with a billing profile and signs them in', async () => {
    const account = await signUp(undefined, undefined, { verified: false });
    expect(account.cookie).toMatch(/^eb_session=[A-Za-z0-9_-]{43}$/);
    expect(account.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await authFetch('/api/auth/me', { cookie: account.cookie });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      user: { id: account.userId, email: account.email, email_verified: false, totp_enabled: false },
      csrf_token: account.csrf,
    });
    const profile = await testEnv.DB.prepare('SELECT plan_code FROM billing_profiles WHERE id = ?1')
      .bind(account.billingProfileId)
      .first<{ plan_code: string }>();
    expect(profile?.plan_code).toBe('free');
  });

  it('lower-cases the email and refuses a second account for it', async () => {
    const email = uniqueEmail();
    const first = await authFetch('/api/auth/signup', {
      body: { email: email.toUpperCase(), password: 'a long enough password' },
    });
    expect(first.status).toBe(201);
    expect(((await first.json()) as { user: { email: string } }).user.email).toBe(email);
    const again = await authFetch('/api/auth/signup', { body: { email, password: 'another long password' } });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('email_taken');
    expect(sessionCookieFrom(again)).toBe('');
  });
});
