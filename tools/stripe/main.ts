/**
 * `npm run stripe`: the local Stripe alone on 127.0.0.1:12111 (or STRIPE_API_PORT), delivering
 * webhooks to the `npm run dev` Worker (or STRIPE_WEBHOOK_URL). Keys, the webhook secret and the
 * price ids come from the environment, else from `.dev.vars`, so the Worker and this server agree.
 * State lives in `.data/stripe.json`. `npm run dev` starts the same server itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDevVars } from '../clickhouse/credentials';
import { pricesFromVars } from './prices';
import { startStripeServer } from './server';

const devVars = existsSync('.dev.vars')
  ? parseDevVars(readFileSync('.dev.vars', 'utf8'))
  : new Map<string, string>();
const vars: Record<string, string | undefined> = { ...Object.fromEntries(devVars), ...process.env };

const port = Number(vars.STRIPE_API_PORT ?? 12111);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`STRIPE_API_PORT must be a port number, got ${vars.STRIPE_API_PORT}`);
  process.exit(1);
}
const webhookSecret = vars.STRIPE_WEBHOOK_SECRET ?? '';
if (!webhookSecret) {
  console.error('STRIPE_WEBHOOK_SECRET is not set: run `npm run dev` once (it writes .dev.vars), or set it.');
  process.exit(1);
}

const server = await startStripeServer({
  port,
  host: '127.0.0.1',
  webhookUrl: vars.STRIPE_WEBHOOK_URL ?? 'http://127.0.0.1:8787/api/billing/webhook',
  webhookSecret,
  secretKey: vars.STRIPE_SECRET_KEY,
  prices: pricesFromVars(vars),
  stateFile: resolve('.data/stripe.json'),
  log: vars.STRIPE_LOG === '1',
});
console.log(`Local Stripe ready at ${server.url} (state in .data/stripe.json)`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping local Stripe`);
  await server.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
