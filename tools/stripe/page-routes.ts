/**
 * Routes of the hosted pages: show Checkout and the Portal, and the form posts behind their
 * buttons. A post changes the subscription, waits for the webhooks to reach the Worker, then
 * redirects (303): to the app's success URL after paying, back to the Portal after a change.
 */
import { StateError, type StripeAccount } from './account';
import { type FormObject, stringParam } from './form';
import { checkoutPage, notFoundPage, overviewPage, type Page, portalPage, successUrl } from './pages';
import type { Reply } from './server';
import { setCancelAtPeriodEnd, switchPrice } from './subscriptions';

const CHECKOUT = /^\/checkout\/([A-Za-z0-9_]+)(\/pay)?$/;
const PORTAL = /^\/portal\/([A-Za-z0-9_]+)$/;
const PORTAL_ACTION = /^\/portal\/([A-Za-z0-9_]+)\/subscriptions\/([A-Za-z0-9_]+)\/(cancel|renew|switch)$/;

function html(page: Page): Reply {
  return { kind: 'html', status: page.status, html: page.html, csp: page.csp };
}

export async function handlePage(
  account: StripeAccount,
  method: string,
  path: string,
  form: FormObject,
  webhookUrl: string,
): Promise<Reply> {
  if (method === 'GET' && path === '/') return html(overviewPage(account, webhookUrl));

  const checkout = CHECKOUT.exec(path);
  if (checkout) {
    const id = checkout[1] ?? '';
    const session = account.checkoutSession(id);
    if (!session) return html(notFoundPage(`No such Checkout Session: ${id}`));
    if (method === 'GET' && !checkout[2]) return html(checkoutPage(account, session));
    if (method === 'POST' && checkout[2]) {
      try {
        const paid = await account.pay(id);
        return { kind: 'redirect', location: successUrl(paid) };
      } catch (error) {
        if (error instanceof StateError) return html(checkoutPage(account, session));
        throw error;
      }
    }
  }

  const portal = PORTAL.exec(path);
  if (portal && method === 'GET') {
    const page = portalPage(account, portal[1] ?? '');
    return html(page ?? notFoundPage('No such Billing Portal session.'));
  }

  const action = PORTAL_ACTION.exec(path);
  if (action && method === 'POST') {
    const [, portalId = '', subId = '', verb] = action;
    const session = account.portalSession(portalId);
    const sub = account.subscription(subId);
    // A portal session manages its own customer's subscriptions only.
    if (!session || !sub || sub.customer !== session.customer) {
      return html(notFoundPage('No such subscription for this Billing Portal session.'));
    }
    if (verb === 'cancel') await setCancelAtPeriodEnd(account, sub, true);
    else if (verb === 'renew') await setCancelAtPeriodEnd(account, sub, false);
    else {
      const price = stringParam(form, 'price');
      if (!price) return html(notFoundPage('No price to switch to.'));
      await switchPrice(account, sub, price);
    }
    return { kind: 'redirect', location: `/portal/${portalId}` };
  }

  return html(notFoundPage(`Nothing at ${method} ${path}.`));
}
