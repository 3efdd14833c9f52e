/**
 * Vitest globalSetup of the workerd tests: the local Stripe server (tools/stripe) on TEST_STRIPE's
 * port, with the price ids vitest.config.ts gives the Worker. The Worker under test runs inside
 * workerd and has no address this server could post webhooks to, so delivery goes to a closed
 * port and fails at once (one attempt); tests take the events from `GET /_test/events`, sign them
 * and deliver them to the Worker themselves (test/workers/billing/helpers.ts).
 */
import { localPriceVars, pricesFromVars } from '../../tools/stripe/prices';
import { startStripeServer } from '../../tools/stripe/server';
import { TEST_STRIPE } from './ports';

export default async function setup(): Promise<() => Promise<void>> {
  const server = await startStripeServer({
    port: TEST_STRIPE.port,
    host: TEST_STRIPE.host,
    // Port 9 (discard) refuses connections here: no delivery, no wait.
    webhookUrl: 'http://127.0.0.1:9/api/billing/webhook',
    webhookSecret: TEST_STRIPE.webhookSecret,
    webhookAttempts: 1,
    secretKey: TEST_STRIPE.secretKey,
    prices: pricesFromVars(localPriceVars()),
  });
  return () => server.close();
}
