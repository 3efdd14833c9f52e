/**
 * Unsubscribe links of recurring mail (reports, alerts): one signed token per list, site and
 * address (functions/mail/signed-link.ts), working without signing in, so a recipient without an
 * account can stop the mail. GET only shows a page with a confirm button and the POST acts: mail
 * scanners and link previews open every link of a mail with GET and must not unsubscribe anyone.
 * The POST is also RFC 8058's one-click request (`List-Unsubscribe=One-Click` in the body, the
 * token in the URL), which the `List-Unsubscribe` header of each mail points at. A token that does
 * not verify gets a 400 page and changes nothing. A per-IP rate limit guards the door.
 */
import { type Context, Hono } from 'hono';
import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';
import { ipKey, LeasedLimiter } from '../../workers/limits/lease';
import { tooManyAttempts } from '../auth/rate-limit';
import { appUrl } from '../sites/store';
import { escapeHtml } from './mailer';
import { signLink, verifyLink } from './signed-link';

export interface MailingList {
  /** The route, e.g. '/api/reports/unsubscribe'. */
  path: string;
  /** What tokens are signed for: one list's token is refused by every other list. */
  purpose: string;
  /** What the recipient stops getting, e.g. 'reports'. */
  what: string;
  /** Removes the address from the site's list; removing an address that is gone is fine. */
  remove(db: D1Database, siteId: number, email: string): Promise<unknown>;
}

/** Unsubscribe requests per client IP (its /64 for IPv6): generous for people, a wall for scripts. */
export const UNSUBSCRIBE_RATE_LIMIT = { limit: 30, periodSeconds: 60 };

/** The link that takes `email` off `list` for one site. */
export async function unsubscribeUrl(
  env: Env,
  list: MailingList,
  siteId: number,
  email: string,
): Promise<string> {
  const token = await signLink(env, list.purpose, { site: siteId, email });
  return `${appUrl(env)}${list.path}?token=${encodeURIComponent(token)}`;
}

const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex',
};

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Edgebear</title></head>
<body style="font-family:system-ui,sans-serif;color:#111827;max-width:480px;margin:48px auto;padding:0 16px;line-height:1.5">
<h1 style="font-size:22px">${escapeHtml(title)}</h1>
${body}
<p style="color:#6b7280;font-size:13px;margin-top:32px">Edgebear</p>
</body></html>`;
}

let limiter: { ns: Env['RATE_LIMITER']; instance: LeasedLimiter } | null = null;

/**
 * One request of the client's IP budget, or a 429. Fails open: the token is the credential (a
 * guess fails the HMAC), so a limiter outage must not keep anyone subscribed.
 */
async function limitClient(c: Context<{ Bindings: Env }>): Promise<void> {
  // A binding is stable for an isolate's life; comparing it too lets tests swap in a broken one.
  if (limiter?.ns !== c.env.RATE_LIMITER) {
    limiter = {
      ns: c.env.RATE_LIMITER,
      instance: new LeasedLimiter(c.env.RATE_LIMITER, UNSUBSCRIBE_RATE_LIMIT, {
        prefix: 'unsubscribe',
        failOpen: true,
      }),
    };
  }
  const secret = configOf(c.env).ipKeySecret;
  if (secret === null) return;
  const key = await ipKey(c.req.header('cf-connecting-ip') ?? 'unknown', secret);
  const result = await limiter.instance.check(`ip:${key}`);
  if (!result.allowed) throw tooManyAttempts(c, result.retryAfterSeconds, 'Too many unsubscribe requests.');
}

/** The GET (confirm page) and POST (unsubscribe) routes of one list. */
export function unsubscribeRoutes(list: MailingList): Hono<{ Bindings: Env }> {
  const routes = new Hono<{ Bindings: Env }>();
  const invalid = page(
    'This unsubscribe link does not work',
    `<p>The link is incomplete or was changed. Open it again from the email, or ask the site's admin to remove your address.</p>`,
  );

  async function target(c: Context<{ Bindings: Env }>) {
    await limitClient(c);
    const token = c.req.query('token') ?? '';
    const payload = token ? await verifyLink(c.env, list.purpose, token) : null;
    if (!payload || typeof payload.site !== 'number' || typeof payload.email !== 'string') return null;
    const site = await c.env.DB.prepare('SELECT domain FROM sites WHERE id = ?1 AND deleted_at IS NULL')
      .bind(payload.site)
      .first<{ domain: string }>();
    return { token, siteId: payload.site, email: payload.email, domain: site?.domain ?? 'this site' };
  }

  routes.get(list.path, async function confirmUnsubscribe(c) {
    const found = await target(c);
    if (!found) return c.html(invalid, 400, PAGE_HEADERS);
    const action = `${list.path}?token=${encodeURIComponent(found.token)}`;
    return c.html(
      page(
        `Unsubscribe from ${list.what}?`,
        `<p>Stop sending ${escapeHtml(list.what)} of <strong>${escapeHtml(found.domain)}</strong> to <strong>${escapeHtml(found.email)}</strong>?</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit" style="padding:10px 16px;background:#1f2937;color:#fff;border:0;border-radius:6px;font-size:15px;cursor:pointer">Unsubscribe</button></form>`,
      ),
      200,
      PAGE_HEADERS,
    );
  });

  routes.post(list.path, async function unsubscribe(c) {
    const found = await target(c);
    if (!found) return c.html(invalid, 400, PAGE_HEADERS);
    // Already gone (a second click, or removed by the admin) is the same success for the reader.
    await list.remove(c.env.DB, found.siteId, found.email);
    return c.html(
      page(
        'You are unsubscribed',
        `<p><strong>${escapeHtml(found.email)}</strong> gets no more ${escapeHtml(list.what)} of <strong>${escapeHtml(found.domain)}</strong>. A site admin can add the address again in the site settings.</p>`,
      ),
      200,
      PAGE_HEADERS,
    );
  });
  return routes;
}
