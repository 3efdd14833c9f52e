import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { escapeHtml } from '../mail';

/**
 * GET /dev/mail and /dev/mail/:id: the development mailbox (the D1 outbox) in the browser.
 * Mounted only in development (functions/dev/index.ts): every user's mail, reset links
 * included, must never be reachable in production.
 */
export const devMailRoutes = new Hono<{ Bindings: Env }>();

interface OutboxRow {
  id: number;
  to_address: string;
  subject: string;
  text: string;
  html: string;
  kind: string;
  created_at: string;
  sent_at: string | null;
  provider_id: string | null;
  error: string | null;
}

// The page's own policy: no scripts anywhere, styles inline, the message in a sandboxed frame.
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'",
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#111827}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e5e7eb}pre{white-space:pre-wrap;background:#f9fafb;padding:1rem}
iframe{width:100%;height:32rem;border:1px solid #e5e7eb}.muted{color:#6b7280}</style></head>
<body>${body}</body></html>`;
}

devMailRoutes.get('/dev/mail', async (c) => {
  const { results } = await c.env.DB.prepare(
    'SELECT id, to_address, subject, kind, created_at, error FROM email_outbox ORDER BY id DESC LIMIT 200',
  ).all<Pick<OutboxRow, 'id' | 'to_address' | 'subject' | 'kind' | 'created_at' | 'error'>>();
  const rows = results
    .map(
      (row) =>
        `<tr><td class="muted">${escapeHtml(row.created_at)}</td><td>${escapeHtml(row.to_address)}</td>` +
        `<td><a href="/dev/mail/${row.id}">${escapeHtml(row.subject)}</a></td><td>${escapeHtml(row.kind)}</td>` +
        `<td>${row.error ? escapeHtml(row.error) : ''}</td></tr>`,
    )
    .join('\n');
  const body =
    results.length === 0
      ? '<p class="muted">No mail yet. Sign up or ask for a password reset and it lands here.</p>'
      : `<table><thead><tr><th>Time (UTC)</th><th>To</th><th>Subject</th><th>Kind</th><th>Error</th></tr></thead><tbody>${rows}</tbody></table>`;
  return c.html(
    page('Edgebear outbox', `<h1>Outbox</h1><p class="muted">Development mail (newest first).</p>${body}`),
    200,
    PAGE_HEADERS,
  );
});

devMailRoutes.get('/dev/mail/:id', async (c) => {
  const id = Number(c.req.param('id'));
  const row = Number.isSafeInteger(id)
    ? await c.env.DB.prepare('SELECT * FROM email_outbox WHERE id = ?1').bind(id).first<OutboxRow>()
    : null;
  if (!row)
    return c.html(
      page('Not found', '<p>No such message. <a href="/dev/mail">Back</a></p>'),
      404,
      PAGE_HEADERS,
    );
  // srcdoc is an attribute: escaping makes the whole message one inert string, and the empty
  // sandbox gives it no scripts, no forms and no access to this page.
  const body = `<p><a href="/dev/mail">← Outbox</a></p>
<h1>${escapeHtml(row.subject)}</h1>
<p><b>To:</b> ${escapeHtml(row.to_address)} · <b>Kind:</b> ${escapeHtml(row.kind)} · <b>Created:</b> ${escapeHtml(row.created_at)}${
    row.error ? ` · <b>Error:</b> ${escapeHtml(row.error)}` : ''
  }</p>
<h2>HTML</h2>
<iframe sandbox="" title="HTML part" srcdoc="${escapeHtml(row.html)}"></iframe>
<h2>Text</h2>
<pre>${escapeHtml(row.text)}</pre>`;
  return c.html(page(row.subject, body), 200, PAGE_HEADERS);
});
