import { describe, expect, it } from 'vitest';
import { authFetch, logIn, sessionCookieFrom, signUp, waitForMail } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

type SessionList = {
  sessions: {
    id: number;
    created_at: string;
    last_seen_at: string;
    device: string;
    country: string;
    current: boolean;
  }[];
};

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('sessions', () => {
  it('lists live sessions with device, country and which one is this browser', async () => {
    const account = await signUp();
    await logIn(account.email, account.password, {
      ua: CHROME_WINDOWS,
      cf: { country: 'JP', city: 'Osaka' },
    });
    const response = await authFetch('/api/auth/sessions', { cookie: account.cookie });
    expect(response.status).toBe(200);
    const { sessions } = (await response.json()) as SessionList;
    expect(sessions).toHaveLength(2);
    const current = sessions.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]?.device).toBe('Firefox on macOS');
    const other = sessions.find((s) => !s.current);
    expect(other).toMatchObject({ device: 'Chrome on Windows', country: 'JP' });
    expect(other?.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('signs out everywhere else and keeps this browser signed in', async () => {
    const account = await signUp();
    const a = sessionCookieFrom(await logIn(account.email, account.password));
    const b = sessionCookieFrom(await logIn(account.email, account.password));
    const response = await authFetch('/api/auth/sessions/revoke-all', {
      method: 'POST',
      body: {},
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(await response.json()).toEqual({ revoked: 2 });
    expect((await authFetch('/api/auth/me', { cookie: a })).status).toBe(401);
    expect((await authFetch('/api/auth/me', { cookie: b })).status).toBe(401);
    expect((await authFetch('/api/auth/me', { cookie: account.cookie })).status).toBe(200);
  });

  it('revokes one session by id; another user’s session id is a 404', async () => {
    const account = await signUp();
    const stranger = await signUp();
    const other = sessionCookieFrom(await logIn(account.email, account.password));
    const { sessions } = (await (
      await authFetch('/api/auth/sessions', { cookie: account.cookie })
    ).json()) as SessionList;
    const target = sessions.find((s) => !s.current);
    const foreign = await authFetch(`/api/auth/sessions/${target?.id}`, {
      method: 'DELETE',
      cookie: stranger.cookie,
      csrf: stranger.csrf,
    });
    expect(foreign.status).toBe(404);
    const ok = await authFetch(`/api/auth/sessions/${target?.id}`, {
      method: 'DELETE',
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(ok.status).toBe(200);
    expect((await authFetch('/api/auth/me', { cookie: other })).status).toBe(401);
  });

  it('stores only a hash of the session id, and no raw user agent', async () => {
    const account = await signUp();
    const id = account.cookie.slice('eb_session='.length);
    const { results } = await testEnv.DB.prepare('SELECT * FROM sessions WHERE user_id = ?1')
      .bind(account.userId)
      .all();
    const dump = JSON.stringify(results);
    expect(dump).not.toContain(id);
    expect(dump).not.toContain('Mozilla');
    expect(dump).not.toContain(account.csrf);
  });
});

describe('security email', () => {
  it('goes out on every sign-in with browser, OS, place, time and the sessions link, never the IP', async () => {
    const account = await signUp();
    const ip = '203.0.113.77';
    const before = new Date().toISOString();
    const response = await logIn(account.email, account.password, {
      ip,
      ua: CHROME_WINDOWS,
      cf: { country: 'DE', city: 'Berlin' },
    });
    expect(response.status).toBe(200);
    const [mail] = await waitForMail(account.email, 'login_alert');
    expect(mail?.subject).toBe('New sign-in to Edgebear');
    expect(mail?.text).toContain('Browser: Chrome');
    expect(mail?.text).toContain('Operating system: Windows');
    expect(mail?.text).toContain('Approximate place: Berlin, DE');
    expect(mail?.text).toContain('http://127.0.0.1:8787/settings/sessions');
    const time = /Time: (\S+) \(UTC\)/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(time >= before).toBe(true);
    expect(time <= new Date().toISOString()).toBe(true);
    for (const part of [mail?.text, mail?.html]) {
      expect(part).not.toContain(ip);
      expect(part).not.toContain(account.password);
    }
    await logIn(account.email, account.password);
    expect(await waitForMail(account.email, 'login_alert', 2)).toHaveLength(2);
  });
});
