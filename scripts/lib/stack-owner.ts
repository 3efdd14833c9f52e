/**
 * A site owner of a private stack, signed in as the dashboard would be (cookie and CSRF token),
 * with a verified email (from the development mailbox): the drills and benchmarks that need sites
 * owned by a billing profile create them through the API with this, as a customer would.
 */
import { verificationToken } from './dev-mailbox';

const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export class StackOwner {
  cookie = '';
  csrf = '';
  userId = 0;

  private constructor(
    readonly workerUrl: string,
    readonly email: string,
  ) {}

  /** Signs up `email` (default a fresh address) and verifies it from the development mailbox. */
  static async signUp(
    workerUrl: string,
    email = `owner-${Date.now().toString(36)}@example.com`,
  ): Promise<StackOwner> {
    const owner = new StackOwner(workerUrl, email);
    const signup = await owner.expect(
      'POST',
      '/api/auth/signup',
      { email, password: 'correct horse battery staple' },
      201,
    );
    owner.userId = (signup.user as { id: number }).id;
    await owner.expect(
      'POST',
      '/api/auth/verify-email',
      { token: await verificationToken(workerUrl, email) },
      200,
    );
    return owner;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${this.workerUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'cf-connecting-ip': '192.0.2.200',
        'user-agent': CHROME,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';
    const text = await res.text();
    const json = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (typeof json.csrf_token === 'string') this.csrf = json.csrf_token;
    return { status: res.status, json };
  }

  /** `request`, throwing unless the answer has `status`. */
  async expect(
    method: string,
    path: string,
    body: unknown,
    status: number,
  ): Promise<Record<string, unknown>> {
    const res = await this.request(method, path, body);
    if (res.status !== status) {
      throw new Error(
        `${method} ${path} answered ${res.status}, expected ${status}: ${JSON.stringify(res.json)}`,
      );
    }
    return res.json;
  }
}

/**
 * Calls the admin API of a stack (ADMIN_TOKEN 'stack-admin-token', set by startStack): e.g.
 * `PATCH /admin/api/billing-profiles/1 { custom_monthly_events }`. Throws unless 200.
 */
export async function stackAdmin(
  workerUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${workerUrl}${path}`, {
    method,
    headers: { authorization: 'Bearer stack-admin-token', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`admin ${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as Record<string, unknown>;
}
