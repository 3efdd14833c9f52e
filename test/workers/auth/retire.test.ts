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

/**
 * Resetting or changing the password and turning 2FA on or off retire what the old credentials
 * may have handed out: other sessions and every API key of the billing profiles the user owns.
 * The response and an email say how many keys went, so nothing is kept silently.
 */

type Revoked = { revoked: { sessions: number; api_keys: number }; message: string };

async function createKey(account: TestAccount, name: string): Promise<string> {
  const response = await authFetch('/api/keys', {
    body: { name },
    cookie: account.cookie,
    csrf: account.csrf,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: { secret: string } }).key.secret;
}

function whoami(secret: string): Promise<Response> {
  return authFetch('/api/keys/whoami', { headers: { authorization: `Bearer ${secret}` } });
}

/** An account with two keys and a second signed-in browser. */
async function accountWithKeys(): Promise<{ account: TestAccount; keys: string[]; other: string }> {
  const account = await signUp();
  const keys = [await createKey(account, 'first'), await createKey(account, 'second')];
  for (const key of keys) expect((await whoami(key)).status).toBe(200);
  const other = sessionCookieFrom(await logIn(account.email, account.password));
  return { account, keys, other };
}

async function expectRetired(keys: string[], other: string, account: TestAccount, change: RegExp) {
  for (const key of keys) expect((await whoami(key)).status).toBe(401);
  expect((await authFetch('/api/auth/me', { cookie: other })).status).toBe(401);
  const [mail] = await waitForMail(account.email, 'security_change');
  expect(mail?.text).toMatch(change);
  expect(mail?.text).toMatch(/2 API keys were revoked/);
}

function codeAt(secret: string, offsetSteps = 0): Promise<string> {
  return totpCode(base32Decode(secret), Date.now() / 1000 + offsetSteps * 30);
}

describe('retiring sessions and API keys', () => {
  it('password reset: every session and every API key, said in the response and by email', async () => {
    const { account, keys, other } = await accountWithKeys();
    await authFetch('/api/auth/password-reset/request', { body: { email: account.email } });
    const [mail] = await waitForMail(account.email, 'reset');
    const response = await authFetch('/api/auth/password-reset/confirm', {
      body: { token: tokenFromMail(mail ?? ({} as never)), password: 'a brand new passphrase' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Revoked;
    expect(body.revoked).toEqual({ sessions: 2, api_keys: 2 });
    expect(body.message).toMatch(/2 API keys were revoked/);
    expect((await authFetch('/api/auth/me', { cookie: account.cookie })).status).toBe(401);
    await expectRetired(keys, other, account, /password was reset/);
  });

  it('change-password: other sessions and every API key; this browser stays signed in', async () => {
    const { account, keys, other } = await accountWithKeys();
    const response = await authFetch('/api/auth/change-password', {
      body: { current_password: account.password, new_password: 'a brand new passphrase' },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Revoked;
    expect(body.revoked).toEqual({ sessions: 1, api_keys: 2 });
    expect((await authFetch('/api/auth/me', { cookie: sessionCookieFrom(response) })).status).toBe(200);
    await expectRetired(keys, other, account, /password was changed/);
  });

  it('turning 2FA on, and off again, each retire other sessions and API keys', async () => {
    const { account, keys, other } = await accountWithKeys();
    const setup = await authFetch('/api/auth/2fa/setup', {
      body: {},
      cookie: account.cookie,
      csrf: account.csrf,
    });
    const { secret } = (await setup.json()) as { secret: string };
    const enable = await authFetch('/api/auth/2fa/enable', {
      body: { code: await codeAt(secret, -1) },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(enable.status).toBe(200);
    const enabled = (await enable.json()) as Revoked & { recovery_codes: string[] };
    expect(enabled.recovery_codes).toHaveLength(10);
    expect(enabled.revoked).toEqual({ sessions: 1, api_keys: 2 });
    expect((await authFetch('/api/auth/me', { cookie: account.cookie })).status).toBe(200);
    await expectRetired(keys, other, account, /two-factor authentication was turned on/);

    const fresh = await createKey(account, 'after enabling');
    const disable = await authFetch('/api/auth/2fa/disable', {
      body: { password: account.password, code: await codeAt(secret) },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(disable.status).toBe(200);
    expect(((await disable.json()) as Revoked).revoked).toEqual({ sessions: 0, api_keys: 1 });
    expect((await whoami(fresh)).status).toBe(401);
    const mails = await waitForMail(account.email, 'security_change', 2);
    expect(mails[1]?.text).toMatch(/two-factor authentication was turned off/);
    expect(mails[1]?.text).toMatch(/1 API key was revoked/);
  });

  it("leaves other accounts' keys alone", async () => {
    const { account } = await accountWithKeys();
    const bystander = await signUp();
    const key = await createKey(bystander, 'bystander');
    await authFetch('/api/auth/change-password', {
      body: { current_password: account.password, new_password: 'a brand new passphrase' },
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect((await whoami(key)).status).toBe(200);
  });
});
