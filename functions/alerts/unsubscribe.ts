/**
 * The unsubscribe link in every alert mail: a signed token (functions/mail/signed-link.ts) naming
 * the site and the recipient, so an address that has no account can stop the mails without
 * signing in. GET shows a page with one button and POST does it: mail scanners that open every
 * link (GET) must not unsubscribe anyone.
 */
import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { escapeHtml } from '../mail';
import { signLink, verifyLink } from '../mail/signed-link';
import { removeAlertRecipient } from './store';

/** The purpose the tokens are signed for: a report's unsubscribe token is refused here. */
const PURPOSE = 'alerts_unsubscribe';

export const UNSUBSCRIBE_PATH = '/api/alerts/unsubscribe';

/** The link for `email` to stop the alerts of one site. */
export async function unsubscribeUrl(
  env: Env,
  appUrl: string,
  siteId: number,
  email: string,
): Promise<string> {
  const token = await signLink(env, PURPOSE, { site: siteId, email });
  return `${appUrl}${UNSUBSCRIBE_PATH}?token=${encodeURIComponent(token)}`;
}

interface Subscription {
  siteId: number;
  email: string;
}

async function subscriptionOf(env: Env, token: string): Promise<Subscription | null> {
  const payload = await verifyLink(env, PURPOSE, token);
  if (!payload || typeof payload.site !== 'number' || typeof payload.email !== 'string') return null;
  return { siteId: payload.site, email: payload.email };
}

// No scripts; the form posts back to this same URL.
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#111827;line-height:1.5}
button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #111827;background:#111827;color:#fff;cursor:pointer}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const INVALID = page(
  'This link does not work',
  '<p>The unsubscribe link is incomplete or was changed. Open it again from the alert email.</p>',
);

export const alertUnsubscribeRoutes = new Hono<{ Bindings: Env }>();

alertUnsubscribeRoutes.get(UNSUBSCRIBE_PATH, async function confirmUnsubscribe(c) {
  const token = c.req.query('token') ?? '';
  const subscription = await subscriptionOf(c.env, token);
  if (!subscription) return c.html(INVALID, 400, PAGE_HEADERS);
  const site = await c.env.DB.prepare('SELECT domain FROM sites WHERE id = ?1 AND deleted_at IS NULL')
    .bind(subscription.siteId)
    .first<{ domain: string }>();
  const name = site?.domain ?? 'this site';
  const action = `${UNSUBSCRIBE_PATH}?token=${encodeURIComponent(token)}`;
  return c.html(
    page(
      'Stop these alerts?',
      `<p>${escapeHtml(subscription.email)} will no longer get traffic and web-vitals alerts for ${escapeHtml(name)}.</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit">Unsubscribe</button></form>`,
    ),
    200,
    PAGE_HEADERS,
  );
});

// Also what a one-click unsubscribe (RFC 8058) would post. The token is the credential: no
// cookie is involved, so there is nothing for a cross-site form to borrow.
alertUnsubscribeRoutes.post(UNSUBSCRIBE_PATH, async function unsubscribe(c) {
  const subscription = await subscriptionOf(c.env, c.req.query('token') ?? '');
  if (!subscription) return c.html(INVALID, 400, PAGE_HEADERS);
  // Done already (or never on the list) reads the same: the address gets no more alerts.
  await removeAlertRecipient(c.env.DB, subscription.siteId, subscription.email);
  return c.html(
    page(
      'Unsubscribed',
      `<p>${escapeHtml(subscription.email)} will get no more alerts for this site. The site's owner can add the address again in the site settings.</p>`,
    ),
    200,
    PAGE_HEADERS,
  );
});
