import { workerFetch } from './stack';

/** A signed-in test account, as the browser would hold it. */
export interface TestAccount {
  /** `eb_session=<id>`, ready for a `Cookie` header. */
  cookie: string;
  csrf: string;
  userId: number;
  billingProfileId: number;
  email: string;
  password: string;
}

let counter = 0;

/** A documentation-range IP no other call of this run uses, so auth rate limits never collide. */
export function uniqueIp(): string {
  counter++;
  const n = (Date.now() % 50_000) + counter * 7 + Math.floor(Math.random() * 1000);
  return `2001:db8:${(n % 65_536).toString(16)}:${counter.toString(16)}::${Math.floor(Math.random() * 65_535).toString(16)}`;
}

export function uniqueEmail(label = 'user'): string {
  counter++;
  return `${label}-${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}@example.com`;
}

/** The `name=value` pair of the `eb_session` cookie a response sets, or '' if none. */
export function sessionCookieFrom(response: Response): string {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(';')[0] ?? '';
    if (pair.startsWith('eb_session=')) return pair;
  }
  return '';
}

/** JSON POST (or other method) as the dashboard makes it: same-origin, with cookie and CSRF token when given. */
export function authFetch(
  path: string,
  options: {
    method?: string;
    body?: unknown;
    cookie?: string;
    csrf?: string;
    ip?: string;
    headers?: Record<string, string>;
    cf?: Record<string, unknown>;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    'cf-connecting-ip': options.ip ?? uniqueIp(),
    'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0',
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  const init: RequestInit & { cf?: Record<string, unknown> } = {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: { ...headers, ...options.headers },
  };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  if (options.cf) init.cf = options.cf;
  return workerFetch(path, init);
}

/**
 * Signs up a fresh account through the real routes (unique email, unique IP) and returns the
 * session cookie and CSRF token to call authenticated routes with. The email counts as verified
 * (sites and API keys need that) unless `verified: false`; tests of verification itself use that.
 */
export async function signUp(
  email: string = uniqueEmail(),
  password = 'correct horse battery staple',
  options: { verified?: boolean } = {},
): Promise<TestAccount> {
  const response = await authFetch('/api/auth/signup', { body: { email, password } });
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { user: { id: number }; csrf_token: string };
  const cookie = sessionCookieFrom(response);
  const me = await authFetch('/api/auth/me', { cookie });
  if (me.status !== 200) throw new Error(`me failed after signup: ${me.status}`);
  if (options.verified !== false) await markEmailVerified(body.user.id);
  const profile = await workerFetchBillingProfile(body.user.id);
  return { cookie, csrf: body.csrf_token, userId: body.user.id, billingProfileId: profile, email, password };
}

/**
 * Marks a user's address verified in D1, as following the emailed link would (that route has
 * its own tests in auth/password.test.ts); quicker than waiting for the mail in every test.
 */
export async function markEmailVerified(userId: number): Promise<void> {
  const { testEnv } = await import('./stack');
  await testEnv.DB.prepare(
    'UPDATE users SET email_verified_at = coalesce(email_verified_at, ?1) WHERE id = ?2',
  )
    .bind(new Date().toISOString(), userId)
    .run();
}

async function workerFetchBillingProfile(userId: number): Promise<number> {
  const { testEnv } = await import('./stack');
  const row = await testEnv.DB.prepare('SELECT id FROM billing_profiles WHERE owner_user_id = ?1')
    .bind(userId)
    .first<{ id: number }>();
  if (!row) throw new Error('no billing profile');
  return row.id;
}

export interface OutboxMail {
  id: number;
  to_address: string;
  subject: string;
  text: string;
  html: string;
  kind: string;
}

/** Waits for a mail of `kind` to `to` in the outbox (account mail is sent after the response). */
export async function waitForMail(
  to: string,
  kind: string,
  count = 1,
  timeoutMs = 5_000,
): Promise<OutboxMail[]> {
  const { testEnv } = await import('./stack');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { results } = await testEnv.DB.prepare(
      'SELECT id, to_address, subject, text, html, kind FROM email_outbox WHERE to_address = ?1 AND kind = ?2 ORDER BY id',
    )
      .bind(to, kind)
      .all<OutboxMail>();
    if (results.length >= count || Date.now() > deadline) return results;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Mails that reached `to` (failed sends left out), oldest first; only of `kinds` when given. */
export async function outboxMails(to: string, kinds?: string[]): Promise<OutboxMail[]> {
  const { testEnv } = await import('./stack');
  const { results } = await testEnv.DB.prepare(
    `SELECT id, to_address, subject, text, html, kind FROM email_outbox
      WHERE to_address = ?1 AND error IS NULL AND (?2 IS NULL OR kind IN (SELECT value FROM json_each(?2)))
      ORDER BY id`,
  )
    .bind(to, kinds ? JSON.stringify(kinds) : null)
    .all<OutboxMail>();
  return results;
}

/** The token in the link of a verify or reset mail. */
export function tokenFromMail(mail: OutboxMail): string {
  const match = /token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no token in mail ${mail.id}`);
  return match[1];
}

/** POST /api/auth/login as a browser would. */
export function logIn(
  email: string,
  password: string,
  options: { ip?: string; cookie?: string; cf?: Record<string, unknown>; ua?: string } = {},
): Promise<Response> {
  return authFetch('/api/auth/login', {
    body: { email, password },
    ip: options.ip,
    cookie: options.cookie,
    cf: options.cf,
    headers: options.ua ? { 'user-agent': options.ua } : {},
  });
}
