/**
 * The `/v1` API: the calls Edgebear makes through the `stripe` SDK (customers, Checkout Sessions,
 * Billing Portal sessions, subscriptions), plus retrieving what those return. Parameters arrive
 * decoded from Stripe's form encoding; answers are Stripe objects or Stripe errors.
 */
import type { StripeAccount } from './account';
import { invalidParam, missingParam, noSuch, StripeApiError } from './errors';
import { arrayParam, type FormObject, type FormValue, objectParam, stringMap, stringParam } from './form';
import type { Subscription } from './objects';
import { cancelNow, setCancelAtPeriodEnd, updateMetadata } from './subscriptions';

export interface ApiResponse {
  status: number;
  body: unknown;
}

type Handler = (account: StripeAccount, params: FormObject, id: string) => Promise<unknown> | unknown;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const ID = '([A-Za-z0-9_]+)';

function urlParam(params: FormObject, name: string, required: true): string;
function urlParam(params: FormObject, name: string, required: false): string | null;
function urlParam(params: FormObject, name: string, required: boolean): string | null {
  const value = stringParam(params, name);
  if (value === undefined || value === '') {
    if (required) throw missingParam(name);
    return null;
  }
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw new StripeApiError(400, 'invalid_request_error', 'Not a valid URL', 'url_invalid', name);
}

function subscriptionOr404(account: StripeAccount, id: string): Subscription {
  const sub = account.subscription(id);
  if (!sub) throw noSuch('subscription', id);
  return sub;
}

function list(data: unknown[], url: string): unknown {
  return { object: 'list', data, has_more: false, url };
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: /^\/v1\/customers$/,
    handler: (account, params) =>
      account.createCustomer({
        email: stringParam(params, 'email') ?? null,
        name: stringParam(params, 'name') ?? null,
        description: stringParam(params, 'description') ?? null,
        metadata: stringMap(params, 'metadata'),
      }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/customers/${ID}$`),
    handler: (account, _params, id) => account.customer(id) ?? throwError(noSuch('customer', id)),
  },
  {
    method: 'POST',
    pattern: /^\/v1\/checkout\/sessions$/,
    handler: (account, params) => {
      const mode = stringParam(params, 'mode');
      if (!mode) throw missingParam('mode');
      if (mode !== 'subscription') {
        throw invalidParam('mode', 'The local Stripe server supports only mode=subscription.');
      }
      const items = arrayParam(params, 'line_items');
      const first: FormValue | undefined = items[0];
      if (items.length !== 1 || first === undefined || typeof first !== 'object' || Array.isArray(first)) {
        throw invalidParam('line_items', 'The local Stripe server takes exactly one line item.');
      }
      const price = stringParam(first, 'price');
      if (!price) throw missingParam('line_items[0][price]');
      const quantity = Number(stringParam(first, 'quantity') ?? '1');
      if (!Number.isInteger(quantity) || quantity < 1) {
        throw invalidParam('line_items[0][quantity]', 'Invalid integer: quantity');
      }
      const customer = stringParam(params, 'customer') ?? null;
      if (customer && !account.customer(customer)) throw noSuch('customer', customer, 'customer');
      const subscriptionData = objectParam(params, 'subscription_data');
      return account.createCheckoutSession({
        customer,
        customerEmail: stringParam(params, 'customer_email') ?? null,
        clientReferenceId: stringParam(params, 'client_reference_id') ?? null,
        price,
        quantity,
        successUrl: urlParam(params, 'success_url', true),
        cancelUrl: urlParam(params, 'cancel_url', false),
        metadata: stringMap(params, 'metadata'),
        subscriptionMetadata: stringMap(subscriptionData, 'metadata'),
      });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/checkout/sessions/${ID}$`),
    handler: (account, _params, id) =>
      account.checkoutSession(id) ?? throwError(noSuch('checkout.session', id)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/checkout/sessions/${ID}/line_items$`),
    handler: (account, _params, id) => {
      if (!account.checkoutSession(id)) throw noSuch('checkout.session', id);
      return list(account.lineItems(id), `/v1/checkout/sessions/${id}/line_items`);
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/billing_portal\/sessions$/,
    handler: (account, params) => {
      const customer = stringParam(params, 'customer');
      if (!customer) throw missingParam('customer');
      if (!account.customer(customer)) throw noSuch('customer', customer, 'customer');
      return account.createPortalSession(customer, urlParam(params, 'return_url', false));
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/subscriptions$/,
    handler: (account, params) => {
      const customer = stringParam(params, 'customer');
      const status = stringParam(params, 'status');
      const data = account
        .allSubscriptions()
        .filter((s) => !customer || s.customer === customer)
        // Stripe lists every status but canceled unless asked for one (or for all).
        .filter((s) => (status === 'all' ? true : status ? s.status === status : s.status !== 'canceled'))
        .sort((a, b) => b.created - a.created);
      return list(data, '/v1/subscriptions');
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/subscriptions/${ID}$`),
    handler: (account, _params, id) => subscriptionOr404(account, id),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/subscriptions/${ID}$`),
    handler: async (account, params, id) => {
      const sub = subscriptionOr404(account, id);
      const cancel = stringParam(params, 'cancel_at_period_end');
      if (cancel !== undefined) {
        if (cancel !== 'true' && cancel !== 'false') {
          throw invalidParam('cancel_at_period_end', 'Invalid boolean: cancel_at_period_end');
        }
        await setCancelAtPeriodEnd(account, sub, cancel === 'true', false);
      }
      if (params.metadata !== undefined) updateMetadata(account, sub, stringMap(params, 'metadata'));
      return sub;
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/v1/subscriptions/${ID}$`),
    handler: async (account, _params, id) => {
      const sub = subscriptionOr404(account, id);
      await cancelNow(account, sub, false);
      return sub;
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/invoices/${ID}$`),
    handler: (account, _params, id) => account.invoice(id) ?? throwError(noSuch('invoice', id)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/prices/${ID}$`),
    handler: (account, _params, id) => account.price(id),
  },
];

function throwError(error: StripeApiError): never {
  throw error;
}

/** Replaces ids named in `expand[]` by the objects (one level, the fields Edgebear may expand). */
function expand(account: StripeAccount, object: unknown, params: FormObject): unknown {
  const paths = arrayParam(params, 'expand').filter((p): p is string => typeof p === 'string');
  if (paths.length === 0 || typeof object !== 'object' || object === null) return object;
  const out: Record<string, unknown> = { ...(object as Record<string, unknown>) };
  for (const path of paths) {
    const value = out[path];
    if (path === 'line_items' && out.object === 'checkout.session' && typeof out.id === 'string') {
      out.line_items = list(account.lineItems(out.id), `/v1/checkout/sessions/${out.id}/line_items`);
    } else if (typeof value === 'string') {
      out[path] = lookup(account, value) ?? value;
    } else if (value === undefined) {
      throw invalidParam('expand', `This property cannot be expanded (${path}).`);
    }
  }
  return out;
}

function lookup(account: StripeAccount, id: string): unknown {
  if (id.startsWith('cus_')) return account.customer(id);
  if (id.startsWith('sub_')) return account.subscription(id);
  if (id.startsWith('in_')) return account.invoice(id);
  if (id.startsWith('cs_')) return account.checkoutSession(id);
  return undefined;
}

/** Answers one `/v1` request, or throws a StripeApiError. */
export async function handleApi(
  account: StripeAccount,
  method: string,
  path: string,
  params: FormObject,
): Promise<ApiResponse> {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (!match) continue;
    const object = await route.handler(account, params, match[1] ?? '');
    return { status: 200, body: expand(account, object, params) };
  }
  throw new StripeApiError(
    404,
    'invalid_request_error',
    `Unrecognized request URL (${method}: ${path}). The local Stripe server answers only the calls Edgebear makes; see docs/billing.md.`,
  );
}
