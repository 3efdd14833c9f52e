/**
 * The hosted pages of the local Stripe: Checkout (`/checkout/:id`, "Pay (test)") and the Billing
 * Portal (`/portal/:id`: cancel at period end, switch plan, back to the app), plus an overview at
 * `/`. Plain HTML forms, no script and nothing loaded from elsewhere; each page sends a CSP that
 * allows only its own styles and form posts to itself and the app it redirects to.
 */
import { createHash } from 'node:crypto';
import type { StripeAccount } from './account';
import type { CheckoutSession, Price, Subscription } from './objects';

export interface Page {
  status: number;
  html: string;
  csp: string;
}

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;background:#f6f8fa;color:#1a1f36;margin:0}
main{max-width:34rem;margin:3rem auto;background:#fff;border-radius:10px;padding:2rem;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:0 0 1rem}.muted{color:#697386;font-size:.9rem}
.badge{display:inline-block;background:#ffe8b2;color:#7a4b00;border-radius:4px;padding:0 .4rem;
font-size:.75rem;font-weight:600;margin-left:.5rem;vertical-align:middle}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:1rem 0}dt{color:#697386}
dd{margin:0;word-break:break-all}
button{font:inherit;border:0;border-radius:6px;padding:.6rem 1.2rem;background:#635bff;color:#fff;
cursor:pointer}button.secondary{background:#e3e8ee;color:#1a1f36}
form{display:inline-block;margin:.25rem .5rem .25rem 0}
section{border-top:1px solid #e3e8ee;padding-top:1rem;margin-top:1rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}td,th{text-align:left;padding:.2rem .4rem;
border-bottom:1px solid #e3e8ee}`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Forms post here and may redirect to the app (Chrome checks form-action on redirects too). */
function csp(appUrls: readonly (string | null)[]): string {
  const origins = [...new Set(appUrls.map(originOf).filter((o): o is string => o !== null))];
  return [
    "default-src 'none'",
    `style-src 'sha256-${STYLE_HASH}'`,
    `form-action 'self' ${origins.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · local Stripe</title>
<style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function money(amount: number | null, currency: string): string | null {
  if (amount === null) return null;
  return new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).format(
    amount / 100,
  );
}

function priceLabel(price: Price): string {
  return price.nickname ? `${price.nickname} (${price.id})` : price.id;
}

function date(unix: number): string {
  return new Date(unix * 1000).toISOString().replace('T', ' ').slice(0, 16).concat(' UTC');
}

function row(term: string, value: string | null): string {
  return value === null ? '' : `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`;
}

function button(
  action: string,
  label: string,
  secondary = false,
  hidden: Record<string, string> = {},
): string {
  const inputs = Object.entries(hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<form method="post" action="${escapeHtml(action)}">${inputs}<button${secondary ? ' class="secondary"' : ''}>${escapeHtml(label)}</button></form>`;
}

export function notFoundPage(what: string): Page {
  return {
    status: 404,
    html: layout('Not found', `<h1>Not found</h1><p>${escapeHtml(what)}</p>`),
    csp: csp([]),
  };
}

export function checkoutPage(account: StripeAccount, session: CheckoutSession): Page {
  const item = account.lineItems(session.id)[0];
  const price = item?.price;
  const interval = price?.recurring.interval ?? 'month';
  const amount = money(session.amount_total, session.currency);
  const customer = session.customer ? account.customer(session.customer) : undefined;
  const details = [
    row('Plan', price ? priceLabel(price) : null),
    row('Amount', amount ? `${amount} per ${interval}` : null),
    row('Billed', interval === 'year' ? 'yearly' : 'monthly'),
    row('Quantity', item ? String(item.quantity) : null),
    row('Customer', customer?.email ?? session.customer_email ?? session.customer),
    row('Reference', session.client_reference_id),
  ].join('');
  let action: string;
  if (session.status === 'open') {
    action = `${button(`/checkout/${session.id}/pay`, 'Pay (test)')}${
      session.cancel_url ? `<a href="${escapeHtml(session.cancel_url)}">Cancel and go back</a>` : ''
    }<p class="muted">No card is charged: this completes the session, starts the subscription and sends the webhooks.</p>`;
  } else if (session.status === 'complete') {
    action = `<p>This session is paid.</p><a href="${escapeHtml(successUrl(session))}">Back to the app</a>`;
  } else {
    action = '<p>This session has expired.</p>';
  }
  return {
    status: 200,
    html: layout(
      'Checkout',
      `<h1>Subscribe<span class="badge">TEST MODE</span></h1><dl>${details}</dl>${action}`,
    ),
    csp: csp([session.success_url, session.cancel_url]),
  };
}

/** Stripe fills `{CHECKOUT_SESSION_ID}` in the success URL with the session's id. */
export function successUrl(session: CheckoutSession): string {
  return session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id);
}

function subscriptionSection(account: StripeAccount, portalId: string, sub: Subscription): string {
  const item = sub.items.data[0];
  const price = item?.price;
  const base = `/portal/${portalId}/subscriptions/${sub.id}`;
  const details = [
    row('Plan', price ? priceLabel(price) : null),
    row('Status', sub.status),
    row('Billed', price?.recurring.interval === 'year' ? 'yearly' : 'monthly'),
    row('Current period', `${date(sub.current_period_start)} – ${date(sub.current_period_end)}`),
    row('Cancels', sub.cancel_at_period_end ? `at period end (${date(sub.current_period_end)})` : null),
  ].join('');
  const actions: string[] = [];
  if (sub.status !== 'canceled') {
    actions.push(
      sub.cancel_at_period_end
        ? button(`${base}/renew`, "Don't cancel", true)
        : button(`${base}/cancel`, 'Cancel at period end', true),
    );
    for (const other of account.offeredPrices()) {
      if (other.id === price?.id) continue;
      actions.push(
        button(`${base}/switch`, `Switch to ${other.nickname ?? other.id}`, true, { price: other.id }),
      );
    }
  }
  return `<section><dl>${details}</dl>${actions.join('')}</section>`;
}

export function portalPage(account: StripeAccount, portalId: string): Page | null {
  const session = account.portalSession(portalId);
  if (!session) return null;
  const customer = account.customer(session.customer);
  const subs = account.subscriptionsOf(session.customer).sort((a, b) => b.created - a.created);
  const body = subs.length
    ? subs.map((sub) => subscriptionSection(account, portalId, sub)).join('')
    : '<p>No subscriptions.</p>';
  const back = session.return_url
    ? `<p><a href="${escapeHtml(session.return_url)}">← Return to the app</a></p>`
    : '';
  return {
    status: 200,
    html: layout(
      'Billing',
      `<h1>Manage billing<span class="badge">TEST MODE</span></h1><p class="muted">${escapeHtml(customer?.email ?? session.customer)}</p>${body}${back}`,
    ),
    csp: csp([]),
  };
}

/** `/`: what the account holds and the latest events with their delivery, for a developer. */
export function overviewPage(account: StripeAccount, webhookUrl: string): Page {
  const subs = account
    .allSubscriptions()
    .sort((a, b) => b.created - a.created)
    .slice(0, 50)
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.id)}</td><td>${escapeHtml(s.customer)}</td><td>${escapeHtml(s.items.data[0]?.price.id ?? '')}</td><td>${escapeHtml(s.status)}${s.cancel_at_period_end ? ' (cancels)' : ''}</td></tr>`,
    )
    .join('');
  const events = account
    .recentEvents(50)
    .map((r) => {
      const last = r.attempts.at(-1);
      const outcome = r.delivered
        ? 'delivered'
        : last
          ? `failed (${last.status ?? last.error ?? ''})`
          : 'pending';
      return `<tr><td>${escapeHtml(date(r.event.created))}</td><td>${escapeHtml(r.event.type)}</td><td>${escapeHtml(outcome)}</td></tr>`;
    })
    .join('');
  return {
    status: 200,
    html: layout(
      'Overview',
      `<h1>Local Stripe<span class="badge">TEST MODE</span></h1>
<p class="muted">Webhooks go to ${escapeHtml(webhookUrl)}</p>
<section><h2>Subscriptions</h2><table><tr><th>id</th><th>customer</th><th>price</th><th>status</th></tr>${subs}</table></section>
<section><h2>Latest events</h2><table><tr><th>created</th><th>type</th><th>delivery</th></tr>${events}</table></section>`,
    ),
    csp: csp([]),
  };
}
