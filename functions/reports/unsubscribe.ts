/**
 * `/api/reports/unsubscribe?token=…`: the link in every report's footer, working without signing
 * in. The token is signed (functions/mail/signed-link.ts) for one site and one address; a token
 * that does not verify gets a 400 page and changes nothing.
 *
 * GET only shows a page with a confirm button; the POST unsubscribes. Mail scanners and link
 * previews fetch every link of a mail with GET, and must not unsubscribe anyone by doing so. The
 * POST also takes RFC 8058's one-click form (`List-Unsubscribe=One-Click` in the body, the token
 * in the URL), ready for a `List-Unsubscribe` header once the mailer can carry headers.
 */
import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { escapeHtml } from '../mail';
import { verifyLink } from '../mail/signed-link';
import { UNSUBSCRIBE_PURPOSE } from './mail';
import { removeRecipient } from './store';

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'";

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · Edgebear</title></head>
<body style="font-family:system-ui,sans-serif;color:#111827;max-width:480px;margin:48px auto;padding:0 16px;line-height:1.5">
<h1 style="font-size:22px">${escapeHtml(title)}</h1>
${body}
<p style="color:#6b7280;font-size:13px;margin-top:32px">Edgebear</p>
</body></html>`;
}

interface Target {
  siteId: number;
  email: string;
}

async function targetOf(env: Env, token: string | undefined): Promise<Target | null> {
  if (!token) return null;
  const payload = await verifyLink(env, UNSUBSCRIBE_PURPOSE, token);
  if (!payload || typeof payload.s !== 'number' || typeof payload.e !== 'string') return null;
  return { siteId: payload.s, email: payload.e };
}

async function siteDomain(db: D1Database, siteId: number): Promise<string> {
  const row = await db
    .prepare('SELECT domain FROM sites WHERE id = ?1 AND deleted_at IS NULL')
    .bind(siteId)
    .first<{ domain: string }>();
  return row?.domain ?? 'this site';
}

const INVALID = page(
  'This unsubscribe link does not work',
  '<p>The link is incomplete or was changed. Open it again from the report email, or ask the site’s admin to remove your address.</p>',
);

export const unsubscribeRoutes = new Hono<{ Bindings: Env }>();

unsubscribeRoutes.get('/api/reports/unsubscribe', async (c) => {
  c.header('Content-Security-Policy', PAGE_CSP);
  const token = c.req.query('token');
  const target = await targetOf(c.env, token);
  if (!target || !token) return c.html(INVALID, 400);
  const domain = await siteDomain(c.env.DB, target.siteId);
  const action = `/api/reports/unsubscribe?token=${encodeURIComponent(token)}`;
  return c.html(
    page(
      'Unsubscribe from reports',
      `<p>Stop sending reports of <strong>${escapeHtml(domain)}</strong> to <strong>${escapeHtml(target.email)}</strong>?</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit" style="padding:10px 16px;background:#1f2937;color:#fff;border:0;border-radius:6px;font-size:15px;cursor:pointer">Unsubscribe</button></form>`,
    ),
  );
});

unsubscribeRoutes.post('/api/reports/unsubscribe', async (c) => {
  c.header('Content-Security-Policy', PAGE_CSP);
  const target = await targetOf(c.env, c.req.query('token'));
  if (!target) return c.html(INVALID, 400);
  const domain = await siteDomain(c.env.DB, target.siteId);
  // Already gone (a second click, or removed by the admin) is the same success for the reader.
  await removeRecipient(c.env.DB, target.siteId, target.email);
  return c.html(
    page(
      'You are unsubscribed',
      `<p><strong>${escapeHtml(target.email)}</strong> gets no more reports of <strong>${escapeHtml(domain)}</strong>. A site admin can add the address again in the site settings.</p>`,
    ),
  );
});
