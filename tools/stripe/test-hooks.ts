/**
 * Test hooks under `/_test/`, for tests and drills that need time to pass or payments to fail,
 * or want to see what was delivered. Each change waits for its webhooks, then answers with the
 * events and their delivery attempts. No API key: like the pages, they are local and test-only.
 *
 *   GET  /_test/events[?type=…]                       every event kept, oldest first, with delivery
 *   POST /_test/subscriptions/:id/advance             the period ends now (renew, or end if cancelling)
 *   POST /_test/subscriptions/:id/fail_payment        invoice.payment_failed, status past_due
 *   POST /_test/webhooks/resend  [event=evt_…]        send again (fresh signature); none named → undelivered
 */
import type { StripeAccount } from './account';
import { noSuch, StripeApiError } from './errors';
import { arrayParam, type FormObject, stringParam } from './form';
import type { Reply } from './server';
import { advance, failPayment } from './subscriptions';

const SUBSCRIPTION_HOOK = /^\/_test\/subscriptions\/([A-Za-z0-9_]+)\/(advance|fail_payment)$/;

export async function handleTestHook(
  account: StripeAccount,
  method: string,
  path: string,
  params: FormObject,
): Promise<Reply> {
  if (method === 'GET' && path === '/_test/events') {
    const type = stringParam(params, 'type');
    const data = account.events().filter((r) => !type || r.event.type === type);
    return { kind: 'json', status: 200, body: { data } };
  }

  const hook = SUBSCRIPTION_HOOK.exec(path);
  if (hook && method === 'POST') {
    const [, id = '', verb] = hook;
    const sub = account.subscription(id);
    if (!sub) throw noSuch('subscription', id);
    const events = verb === 'advance' ? await advance(account, sub) : await failPayment(account, sub);
    return { kind: 'json', status: 200, body: { subscription: sub, events } };
  }

  if (method === 'POST' && path === '/_test/webhooks/resend') {
    // `event=evt_1` or `event[]=evt_1&event[]=evt_2`
    const given = typeof params.event === 'string' ? [params.event] : arrayParam(params, 'event');
    const named = given.filter((id): id is string => typeof id === 'string' && id !== '');
    const events = await account.resend(named.length ? named : null);
    return { kind: 'json', status: 200, body: { events } };
  }

  throw new StripeApiError(404, 'invalid_request_error', `No test hook at ${method} ${path}.`);
}
