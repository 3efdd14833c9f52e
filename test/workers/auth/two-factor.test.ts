import { describe, expect, it } from 'vitest';
import { base32Decode, totpCode } from '../../../functions/auth/totp';
import {
  authFetch,
  logIn,
  sessionCookieFrom,
  signUp,
  type TestAccount,
  tokenFromMail,
  waitForMail,
} from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

type ErrorBody = { error: { code: string } };

function codeAt(secret: string, offsetSteps = 0): Promise<string> {
  return totpCode(base32Decode(secret), Date.now() / 1000 + offsetSteps * 30);
}

/** Signs up and turns 2FA on; returns the secret and the recovery codes. */
async function enrolled(): Promise<{ account: TestAccount; secret: string; recoveryCodes: string[] }> {
  const account = await signUp();
  const setup = await authFetch('/api/auth/2fa/setup', {
    body: {},
    cookie: account.cookie,
    csrf: account.csrf,
  });
  expect(setup.status).toBe(200);
  const { secret, otpauth_uri } = (await setup.json()) as { secret: string; otpauth_uri: string };
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  expect(otpauth_uri).toBe(
    `otpauth://totp/Edgebear:${encodeURIComponent(account.email)}?secret=${secret}&issuer=Edgebear&algorithm=SHA1&digits=6&period=30`,
  );
  // The previous step's code: the sign-in below then has a fresh step to use.
  const enable = await authFetch('/api/auth/2fa/enable', {
    body: { code: await codeAt(secret, -1) },
    cookie: account.cookie,
    csrf: account.csrf,
  });
  expect(enable.status).toBe(200);
  const body = (await enable.json()) as { totp_enabled: boolean; recovery_codes: string[] };
  expect(body.totp_enabled).toBe(true);
  return { account, secret, recoveryCodes: body.recovery_codes };
}

async function passwordStep(account: TestAccount): Promise<{ cookie: string; csrf: string }> {
  const response = await logIn(account.email, account.password);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { mfa_required: boolean; csrf_token: string };
  expect(body.mfa_required).toBe(true);
  return { cookie: sessionCookieFrom(response), csrf: body.csrf_token };
}

describe('two-factor authentication', () => {
  it('enrols: setup is pending until a code confirms it, then 10 recovery codes are shown once', async () => {
    const account = await signUp();
    const setup = await authFetch('/api/auth/2fa/setup', {
      body: {},
      cookie: account.cookie,
      csrf: account.csrf,
    });
    const { secret } = (await setup.json()) as { secret: string };
    let me = (await (await authFetch('/api/auth/me', { cookie: account.cookie })).json()) as {
      user: { totp_enabled: boolean };
    };
    expect(me.user.totp_enabled).toBe(false);

    const wrong = await authFetch('/api/auth/2fa/enable', {
      body: { code: '000000' },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(wrong.status).toBe(400);
    const enable = await authFetch('/api/auth/2fa/enable', {
      body: { code: await codeAt(secret) },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    const { recovery_codes } = (await enable.json()) as { recovery_codes: string[] };
    expect(recovery_codes).toHaveLength(10);
    me = (await (await authFetch('/api/auth/me', { cookie: account.cookie })).json()) as typeof me;
    expect(me.user.totp_enabled).toBe(true);

    const stored = await testEnv.DB.prepare('SELECT totp_secret FROM users WHERE id = ?1')
      .bind(account.userId)
      .first<{ totp_secret: string }>();
    expect(stored?.totp_secret).toMatch(/^v1\./);
    expect(stored?.totp_secret).not.toContain(secret);
    const again = await authFetch('/api/auth/2fa/setup', {
      body: {},
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(again.status).toBe(409);
  });

  it('signs in with password then TOTP; the pending session is useless and the id changes at each step', async () => {
    const { account, secret } = await enrolled();
    const pending = await passwordStep(account);
    expect(pending.cookie).not.toBe(account.cookie);
    // Half signed in is not signed in.
    expect((await authFetch('/api/auth/me', { cookie: pending.cookie })).status).toBe(401);
    expect((await authFetch('/api/auth/sessions', { cookie: pending.cookie })).status).toBe(401);

    const done = await authFetch('/api/auth/login/2fa', {
      body: { code: await codeAt(secret) },
      cookie: pending.cookie,
      csrf: pending.csrf,
    });
    expect(done.status).toBe(200);
    const full = sessionCookieFrom(done);
    expect(full).not.toBe('');
    expect(full).not.toBe(pending.cookie);
    expect((await authFetch('/api/auth/me', { cookie: full })).status).toBe(200);
    expect((await authFetch('/api/auth/me', { cookie: pending.cookie })).status).toBe(401);
  });

  it('refuses a wrong code, and the same code twice', async () => {
    const { account, secret } = await enrolled();
    const first = await passwordStep(account);
    const bad = await authFetch('/api/auth/login/2fa', {
      body: { code: '000000' },
      cookie: first.cookie,
      csrf: first.csrf,
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as ErrorBody).error.code).toBe('invalid_code');
    const code = await codeAt(secret);
    const ok = await authFetch('/api/auth/login/2fa', {
      body: { code },
      cookie: first.cookie,
      csrf: first.csrf,
    });
    expect(ok.status).toBe(200);

    const second = await passwordStep(account);
    const replay = await authFetch('/api/auth/login/2fa', {
      body: { code },
      cookie: second.cookie,
      csrf: second.csrf,
    });
    expect(replay.status).toBe(401);
  });

  it('signs in with a recovery code, which then stops working', async () => {
    const { account, recoveryCodes } = await enrolled();
    const code = recoveryCodes[3] ?? '';
    const first = await passwordStep(account);
    const ok = await authFetch('/api/auth/login/2fa', {
      body: { recovery_code: code.toUpperCase() },
      cookie: first.cookie,
      csrf: first.csrf,
    });
    expect(ok.status).toBe(200);
    expect((await authFetch('/api/auth/me', { cookie: sessionCookieFrom(ok) })).status).toBe(200);

    const second = await passwordStep(account);
    const reused = await authFetch('/api/auth/login/2fa', {
      body: { recovery_code: code },
      cookie: second.cookie,
      csrf: second.csrf,
    });
    expect(reused.status).toBe(401);
    const used = await testEnv.DB.prepare(
      'SELECT count(*) AS n FROM recovery_codes WHERE user_id = ?1 AND used_at IS NOT NULL',
    )
      .bind(account.userId)
      .first<{ n: number }>();
    expect(used?.n).toBe(1);
  });

  it('turns off with the password and a code; sign-in is then one step again', async () => {
    const { account, secret } = await enrolled();
    const wrongPassword = await authFetch('/api/auth/2fa/disable', {
      body: { password: 'not my password', code: await codeAt(secret) },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(wrongPassword.status).toBe(401);
    const off = await authFetch('/api/auth/2fa/disable', {
      body: { password: account.password, code: await codeAt(secret) },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(off.status).toBe(200);
    const login = await logIn(account.email, account.password);
    expect(((await login.json()) as { mfa_required?: boolean }).mfa_required).toBeUndefined();
    const codes = await testEnv.DB.prepare('SELECT count(*) AS n FROM recovery_codes WHERE user_id = ?1')
      .bind(account.userId)
      .first<{ n: number }>();
    expect(codes?.n).toBe(0);
  });

  it('ends a pending session after 5 wrong codes, tells the owner by email (no IP), and the emailed link still needs the code', async () => {
    const { account, secret } = await enrolled();
    const pending = await passwordStep(account);
    for (let i = 0; i < 5; i++) {
      const bad = await authFetch('/api/auth/login/2fa', {
        body: { code: '000000' },
        cookie: pending.cookie,
        csrf: pending.csrf,
      });
      expect(bad.status).toBe(401);
      expect(((await bad.json()) as ErrorBody).error.code).toBe('invalid_code');
    }
    // Even the right code is too late: the pending session is gone.
    const late = await authFetch('/api/auth/login/2fa', {
      body: { code: await codeAt(secret) },
      cookie: pending.cookie,
      csrf: pending.csrf,
    });
    expect(late.status).toBe(401);
    const lateBody = (await late.json()) as { error: { code: string; message: string } };
    expect(lateBody.error.code).toBe('unauthorized');
    expect(lateBody.error.message).toMatch(/sign in again/i);

    const [mail] = await waitForMail(account.email, 'second_factor_failures');
    expect(mail?.text).toMatch(/entered your password correctly but failed the second factor 5 times/);
    // Every test client's IP is in 2001:db8::/32 (helpers/accounts.ts, uniqueIp).
    expect(mail?.text).not.toMatch(/2001:db8/i);
    expect(mail?.html).not.toMatch(/2001:db8/i);

    // The wrong codes count as failures of the account: the next sign-in goes through the email,
    // and the link leads to the second factor, not past it.
    const again = await logIn(account.email, account.password);
    expect(again.status).toBe(202);
    const [link] = await waitForMail(account.email, 'login_link');
    const viaLink = await authFetch('/api/auth/login/email', {
      body: { token: tokenFromMail(link ?? ({} as never)) },
    });
    expect(viaLink.status).toBe(200);
    const step = (await viaLink.json()) as { mfa_required?: boolean; csrf_token: string };
    expect(step.mfa_required).toBe(true);
    const cookie = sessionCookieFrom(viaLink);
    expect((await authFetch('/api/auth/me', { cookie })).status).toBe(401);
    const done = await authFetch('/api/auth/login/2fa', {
      body: { code: await codeAt(secret, 1) },
      cookie,
      csrf: step.csrf_token,
    });
    expect(done.status).toBe(200);
    expect((await authFetch('/api/auth/me', { cookie: sessionCookieFrom(done) })).status).toBe(200);
  });
});
