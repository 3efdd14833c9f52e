import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { base32Decode, totpCode } from '../../../functions/auth/totp';
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

/** Every row of every table, as text (SQLite's and D1's own tables excepted). */
async function dumpTables(): Promise<Record<string, string>> {
  const { results } = await testEnv.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>();
  const dump: Record<string, string> = {};
  for (const { name } of results) {
    const rows = await testEnv.DB.prepare(`SELECT * FROM "${name}"`).all();
    dump[name] = JSON.stringify(rows.results);
  }
  return dump;
}

describe('secrets at rest and in logs', () => {
  let spies: MockInstance[] = [];
  beforeEach(() => {
    spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(console, level));
  });
  afterEach(() => {
    for (const spy of spies) spy.mockRestore();
  });

  it('keep passwords, session ids, CSRF tokens, email tokens, TOTP secrets and recovery codes out of D1 and logs', async () => {
    const email = uniqueEmail('secrets');
    const password = 'first secret passphrase 41';
    const newPassword = 'second secret passphrase 42';
    const account = await signUp(email, password);
    const secrets: string[] = [password, newPassword, account.cookie.split('=')[1] ?? '', account.csrf];

    await logIn(email, 'a wrong password 43');
    const verifyToken = tokenFromMail((await waitForMail(email, 'verify'))[0] ?? ({} as never));
    await authFetch('/api/auth/verify-email', { body: { token: verifyToken } });

    await authFetch('/api/auth/password-reset/request', { body: { email } });
    const resetToken = tokenFromMail((await waitForMail(email, 'reset'))[0] ?? ({} as never));
    await authFetch('/api/auth/password-reset/confirm', {
      body: { token: resetToken, password: newPassword },
    });

    const login = await logIn(email, newPassword);
    const cookie = sessionCookieFrom(login);
    const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
    secrets.push(cookie.split('=')[1] ?? '', csrf);

    const setup = await authFetch('/api/auth/2fa/setup', { body: {}, cookie, csrf });
    const { secret } = (await setup.json()) as { secret: string };
    const code = await totpCode(base32Decode(secret), Date.now() / 1000 - 30);
    const enable = await authFetch('/api/auth/2fa/enable', { body: { code }, cookie, csrf });
    const { recovery_codes } = (await enable.json()) as { recovery_codes: string[] };
    secrets.push(secret, ...recovery_codes, ...recovery_codes.map((c) => c.replace('-', '')));

    const pending = await logIn(email, newPassword);
    const pendingCookie = sessionCookieFrom(pending);
    const { csrf_token: pendingCsrf } = (await pending.json()) as { csrf_token: string };
    const done = await authFetch('/api/auth/login/2fa', {
      body: { recovery_code: recovery_codes[0] },
      cookie: pendingCookie,
      csrf: pendingCsrf,
    });
    expect(done.status).toBe(200);
    secrets.push(pendingCookie.split('=')[1] ?? '', pendingCsrf, sessionCookieFrom(done).split('=')[1] ?? '');
    await waitForMail(email, 'login_alert', 2);

    const tokens = [verifyToken, resetToken];
    const dump = await dumpTables();
    expect(Object.keys(dump)).toEqual(
      expect.arrayContaining(['users', 'sessions', 'email_tokens', 'email_outbox']),
    );
    for (const [table, text] of Object.entries(dump)) {
      for (const value of secrets) expect(text, `${table} holds a secret`).not.toContain(value);
      // The one development exception: the outbox is the local mailbox, links included.
      if (table !== 'email_outbox')
        for (const value of tokens) expect(text, `${table} holds a token`).not.toContain(value);
    }
    // …and only the mails that must carry a token do.
    const { results: alerts } = await testEnv.DB.prepare(
      "SELECT text, html FROM email_outbox WHERE to_address = ?1 AND kind NOT IN ('verify', 'reset')",
    )
      .bind(email)
      .all();
    for (const value of tokens) expect(JSON.stringify(alerts)).not.toContain(value);

    const logged = spies
      .flatMap((spy) => spy.mock.calls.map((call) => call.map(String).join(' ')))
      .join('\n');
    for (const value of [...secrets, ...tokens, email]) expect(logged).not.toContain(value);
  });
});
