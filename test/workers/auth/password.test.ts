import { describe, expect, it } from 'vitest';
import {
  authFetch,
  logIn,
  sessionCookieFrom,
  signUp,
  tokenFromMail,
  uniqueEmail,
  waitForMail,
} from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

type ErrorBody = { error: { code: string } };

describe('email verification', () => {
  it('sends a link on signup that verifies the address once', async () => {
    const account = await signUp(undefined, undefined, { verified: false });
    const [mail] = await waitForMail(account.email, 'verify');
    expect(mail?.subject).toBe('Confirm your email for Edgebear');
    const token = tokenFromMail(mail ?? ({} as never));
    expect(mail?.text).toContain(`http://127.0.0.1:8787/verify-email?token=${token}`);

    const ok = await authFetch('/api/auth/verify-email', { body: { token } });
    expect(ok.status).toBe(200);
    const me = (await (await authFetch('/api/auth/me', { cookie: account.cookie })).json()) as {
      user: { email_verified: boolean };
    };
    expect(me.user.email_verified).toBe(true);
    const again = await authFetch('/api/auth/verify-email', { body: { token } });
    expect(again.status).toBe(400);
    expect(((await again.json()) as ErrorBody).error.code).toBe('invalid_token');
  });

  it('sends no sign-in alert for the signup itself', async () => {
    const account = await signUp();
    await waitForMail(account.email, 'verify');
    expect(await waitForMail(account.email, 'login_alert', 1, 300)).toHaveLength(0);
  });
});

describe('password reset', () => {
  it('answers 202 the same way for known and unknown addresses, and mails only the known one', async () => {
    const account = await signUp();
    const stranger = uniqueEmail('stranger');
    const known = await authFetch('/api/auth/password-reset/request', { body: { email: account.email } });
    const unknown = await authFetch('/api/auth/password-reset/request', { body: { email: stranger } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toEqual(await known.json());
    expect(await waitForMail(account.email, 'reset')).toHaveLength(1);
    expect(await waitForMail(stranger, 'reset', 1, 300)).toHaveLength(0);
  });

  it('sets a new password with the emailed token, ends every session, and the token works once', async () => {
    const account = await signUp();
    const other = sessionCookieFrom(await logIn(account.email, account.password));
    await authFetch('/api/auth/password-reset/request', { body: { email: account.email } });
    const [mail] = await waitForMail(account.email, 'reset');
    const token = tokenFromMail(mail ?? ({} as never));
    expect(mail?.text).toContain(`/reset-password?token=${token}`);

    const confirm = await authFetch('/api/auth/password-reset/confirm', {
      body: { token, password: 'a brand new passphrase' },
    });
    expect(confirm.status).toBe(200);
    expect((await authFetch('/api/auth/me', { cookie: account.cookie })).status).toBe(401);
    expect((await authFetch('/api/auth/me', { cookie: other })).status).toBe(401);
    expect((await logIn(account.email, account.password)).status).toBe(401);
    expect((await logIn(account.email, 'a brand new passphrase')).status).toBe(200);

    const reuse = await authFetch('/api/auth/password-reset/confirm', {
      body: { token, password: 'yet another passphrase' },
    });
    expect(reuse.status).toBe(400);
  });

  it('refuses a weak new password', async () => {
    const account = await signUp();
    await authFetch('/api/auth/password-reset/request', { body: { email: account.email } });
    const [mail] = await waitForMail(account.email, 'reset');
    const response = await authFetch('/api/auth/password-reset/confirm', {
      body: { token: tokenFromMail(mail ?? ({} as never)), password: 'short' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe('weak_password');
  });

  it('limits reset requests per address: the 6th in a minute → 429', async () => {
    const account = await signUp();
    for (let i = 0; i < 5; i++) {
      expect(
        (await authFetch('/api/auth/password-reset/request', { body: { email: account.email } })).status,
      ).toBe(202);
    }
    const sixth = await authFetch('/api/auth/password-reset/request', { body: { email: account.email } });
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('POST /api/auth/change-password', () => {
  it('needs the current password', async () => {
    const account = await signUp();
    const response = await authFetch('/api/auth/change-password', {
      body: { current_password: 'wrong wrong wrong', new_password: 'a brand new passphrase' },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(response.status).toBe(401);
  });

  it('rotates this session (new id and CSRF token) and ends all others', async () => {
    const account = await signUp();
    const other = sessionCookieFrom(await logIn(account.email, account.password));
    const response = await authFetch('/api/auth/change-password', {
      body: { current_password: account.password, new_password: 'a brand new passphrase' },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { csrf_token: string };
    const rotated = sessionCookieFrom(response);
    expect(rotated).not.toBe('');
    expect(rotated).not.toBe(account.cookie);
    expect(body.csrf_token).not.toBe(account.csrf);
    expect((await authFetch('/api/auth/me', { cookie: rotated })).status).toBe(200);
    expect((await authFetch('/api/auth/me', { cookie: account.cookie })).status).toBe(401);
    expect((await authFetch('/api/auth/me', { cookie: other })).status).toBe(401);
    const hash = await testEnv.DB.prepare('SELECT password_hash FROM users WHERE id = ?1')
      .bind(account.userId)
      .first<{ password_hash: string }>();
    expect(hash?.password_hash).not.toContain('passphrase');
  });
});
