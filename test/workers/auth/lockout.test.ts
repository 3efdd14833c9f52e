import { describe, expect, it } from 'vitest';
import {
  authFetch,
  logIn,
  sessionCookieFrom,
  signUp,
  tokenFromMail,
  uniqueEmail,
  uniqueIp,
  waitForMail,
} from '../helpers/accounts';

/**
 * Failed sign-ins are counted per IP and per account, separately (functions/auth/login-guard.ts):
 * a stranger who knows an email can slow down guessing at it, but never keep its owner out.
 * Defaults: 10 failures per IP and 5 per account per 15 minutes (token buckets).
 */

type ErrorBody = { error: { code: string; message: string } };
type EmailLinkBody = { email_link_required: boolean; message: string };

async function failFromRotatingIps(email: string, times: number): Promise<Response[]> {
  const responses: Response[] = [];
  for (let i = 0; i < times; i++)
    responses.push(await logIn(email, `wrong password ${i}`, { ip: uniqueIp() }));
  return responses;
}

function finishWithLink(token: string, ip = uniqueIp()): Promise<Response> {
  return authFetch('/api/auth/login/email', { body: { token }, ip });
}

describe('a stranger failing sign-ins for someone else', () => {
  it('cannot lock the owner out: after 6 failures from 6 IPs the owner signs in from a fresh IP via the emailed link', async () => {
    const account = await signUp();
    const failures = await failFromRotatingIps(account.email, 6);
    expect(failures.slice(0, 5).map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    // The account limit has tripped: from now on every attempt is answered "check your email".
    expect(failures[5]?.status).toBe(202);

    const owner = await logIn(account.email, account.password, { ip: uniqueIp() });
    expect(owner.status).toBe(202);
    expect(sessionCookieFrom(owner)).toBe('');
    const body = (await owner.json()) as EmailLinkBody;
    expect(body.email_link_required).toBe(true);
    expect(body.message).toMatch(/emailed you a link to finish signing in/);

    const [mail] = await waitForMail(account.email, 'login_link');
    expect(mail?.subject).toBe('Finish signing in to Edgebear');
    const token = tokenFromMail(mail ?? ({} as never));
    expect(mail?.text).toContain(`http://127.0.0.1:8787/sign-in?token=${token}`);

    const done = await finishWithLink(token);
    expect(done.status).toBe(200);
    const signedIn = (await done.json()) as { user: { email: string }; csrf_token: string };
    expect(signedIn.user.email).toBe(account.email);
    expect((await authFetch('/api/auth/me', { cookie: sessionCookieFrom(done) })).status).toBe(200);
  });

  it('gets the same answer with a wrong and a right password once the account limit tripped; only the right one mails a link', async () => {
    const account = await signUp();
    await failFromRotatingIps(account.email, 5);
    const wrong = await logIn(account.email, 'still not the password', { ip: uniqueIp() });
    const right = await logIn(account.email, account.password, { ip: uniqueIp() });
    expect(wrong.status).toBe(202);
    expect(right.status).toBe(202);
    expect(await wrong.json()).toEqual(await right.json());
    expect(sessionCookieFrom(right)).toBe('');
    expect(await waitForMail(account.email, 'login_link')).toHaveLength(1);
    // Nothing more arrives for the wrong one.
    expect(await waitForMail(account.email, 'login_link', 2, 300)).toHaveLength(1);
  });

  it('cannot tell an unknown email from a known one: both trip the same way', async () => {
    const known = await signUp();
    const unknown = uniqueEmail('nobody');
    const a = await failFromRotatingIps(known.email, 6);
    const b = await failFromRotatingIps(unknown, 6);
    expect(a.map((r) => r.status)).toEqual(b.map((r) => r.status));
    expect(await a[5]?.json()).toEqual(await b[5]?.json());
  });
});

describe('the emailed sign-in link', () => {
  it('works once', async () => {
    const account = await signUp();
    await failFromRotatingIps(account.email, 5);
    await logIn(account.email, account.password);
    const [mail] = await waitForMail(account.email, 'login_link');
    const token = tokenFromMail(mail ?? ({} as never));
    expect((await finishWithLink(token)).status).toBe(200);
    const again = await finishWithLink(token);
    expect(again.status).toBe(400);
    expect(((await again.json()) as ErrorBody).error.code).toBe('invalid_token');
  });

  it('refuses a made-up token', async () => {
    const response = await finishWithLink('x'.repeat(43));
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe('invalid_token');
  });
});

describe('the per-IP failure limit', () => {
  it('blocks the IP outright after 10 failures, whatever the accounts, even with a right password', async () => {
    const account = await signUp();
    const ip = uniqueIp();
    for (let i = 0; i < 10; i++) {
      expect((await logIn(uniqueEmail('spray'), 'some password', { ip })).status).toBe(401);
    }
    const blocked = await logIn(account.email, account.password, { ip });
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    const body = (await blocked.json()) as ErrorBody;
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(
      /^Too many failed sign-ins from your network\. Please wait .* and try again\.$/,
    );
    expect(sessionCookieFrom(blocked)).toBe('');
    // Another IP is not affected, and the sprayed accounts (unknown) tripped nothing for this one.
    expect((await logIn(account.email, account.password, { ip: uniqueIp() })).status).toBe(200);
  });

  it('counts an IPv6 client by its /64: rotating addresses inside it does not reset the budget', async () => {
    const account = await signUp();
    // uniqueIp() is 2001:db8:<a>:<b>::<c>: its first four groups are a /64 no other call uses.
    const prefix = uniqueIp().split('::')[0] ?? '';
    expect(prefix.split(':')).toHaveLength(4);
    for (let i = 1; i <= 10; i++) {
      expect(
        (await logIn(uniqueEmail('spray'), 'some password', { ip: `${prefix}::${i.toString(16)}` })).status,
      ).toBe(401);
    }
    const blocked = await logIn(account.email, account.password, { ip: `${prefix}:ffff:ffff:ffff:ffff` });
    expect(blocked.status).toBe(429);
  });

  it('counts failures, not attempts: an owner who signs in 8 times from one IP is never refused', async () => {
    const account = await signUp();
    const ip = uniqueIp();
    expect((await logIn(account.email, 'a typo in the password', { ip })).status).toBe(401);
    for (let i = 0; i < 8; i++)
      expect((await logIn(account.email, account.password, { ip })).status).toBe(200);
  });
});
