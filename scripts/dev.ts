/**
 * `npm run dev`: everything Edgebear needs, locally. Starts ClickHouse (unless one answers on
 * 8123) and the local Stripe (unless one answers on 12111), applies ClickHouse and D1 migrations,
 * seeds the demo site, builds the tracker and the dashboard, starts the Worker with wrangler dev
 * on 127.0.0.1:8787 and fires its cron triggers on schedule. The Worker gets
 * ENVIRONMENT=development, the local ClickHouse and the local Stripe's address, keys and price
 * ids from .dev.vars (scripts/lib/dev-vars.ts): wrangler.toml's top level is production-safe and
 * names none of them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { isClickHouseUp } from '../tools/clickhouse/ping';
import { startClickHouseServer } from '../tools/clickhouse/server';
import { LOCAL_MAINTENANCE_USER, localUsers } from '../tools/clickhouse/users';
import { pricesFromVars } from '../tools/stripe/prices';
import { startStripeServer } from '../tools/stripe/server';
import { runCronLoop } from './lib/cron-loop';
import { ensureDevVars, LOCAL_CLICKHOUSE_URL } from './lib/dev-vars';
import { applyLocalD1, assignSiteOwner, markEmailVerified, seedDemoSite } from './lib/local-d1';
import { migrateClickHouse } from './migrate';

const CLICKHOUSE_URL = LOCAL_CLICKHOUSE_URL;
const WORKER_URL = 'http://127.0.0.1:8787';

function step(text: string): void {
  console.log(`\x1b[36m▸\x1b[0m ${text}`);
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

const DEMO_EMAIL = 'demo@edgebear.test';

/**
 * A local account that owns demo.test, so the dashboard shows the demo site's traffic at once.
 * Its password is generated into .dev.vars like the other local secrets.
 */
async function ensureDemoAccount(password: string): Promise<void> {
  try {
    const res = await fetch(`${WORKER_URL}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '127.0.0.1' },
      body: JSON.stringify({ email: DEMO_EMAIL, password }),
    });
    await res.arrayBuffer();
    if (res.status !== 201 && res.status !== 200 && res.status !== 409) {
      console.warn(`demo account: signup answered ${res.status}`);
      return;
    }
    assignSiteOwner('demo.test', DEMO_EMAIL);
    markEmailVerified(DEMO_EMAIL);
  } catch (error) {
    console.warn(`demo account not set up: ${error instanceof Error ? error.message : error}`);
  }
}

/** True when anything answers HTTP at `url` (a local Stripe from another terminal, say). */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * The local Stripe (tools/stripe) on STRIPE_API_HOST:STRIPE_API_PORT from .dev.vars, delivering
 * webhooks to this Worker, unless one already answers there or .dev.vars points the SDK elsewhere
 * (a developer trying Stripe's own test mode).
 */
async function startLocalStripe(vars: Record<string, string>): Promise<{
  url: string | null;
  close: () => Promise<void>;
}> {
  const host = vars.STRIPE_API_HOST ?? '';
  const port = Number(vars.STRIPE_API_PORT);
  const url = `${vars.STRIPE_API_PROTOCOL || 'https'}://${host}:${port}`;
  const none = async (): Promise<void> => {};
  if (host !== '127.0.0.1' && host !== 'localhost') {
    step(`Stripe: .dev.vars points the SDK at ${host || 'api.stripe.com'}; not starting the local Stripe`);
    return { url: null, close: none };
  }
  if (await answers(url)) {
    step(`something already answers on ${url}; using it as the local Stripe`);
    return { url, close: none };
  }
  step(`starting the local Stripe on ${url}, state in .data/stripe.json`);
  const server = await startStripeServer({
    port,
    host,
    webhookUrl: `${WORKER_URL}/api/billing/webhook`,
    webhookSecret: vars.STRIPE_WEBHOOK_SECRET ?? '',
    secretKey: vars.STRIPE_SECRET_KEY,
    prices: pricesFromVars(vars),
    stateFile: '.data/stripe.json',
  });
  return server;
}

async function main(): Promise<void> {
  const vars = ensureDevVars();
  const password = vars.CLICKHOUSE_PASSWORD ?? '';
  const maintenancePassword = vars.CLICKHOUSE_MAINTENANCE_PASSWORD ?? '';

  let closeClickHouse: (() => Promise<void>) | null = null;
  if (await isClickHouseUp(CLICKHOUSE_URL)) {
    step(`ClickHouse already answers on ${CLICKHOUSE_URL}; using it`);
  } else {
    step('starting local ClickHouse (chDB) on 127.0.0.1:8123, data in .data/clickhouse');
    const server = await startClickHouseServer({
      port: 8123,
      host: '127.0.0.1',
      dataDir: '.data/clickhouse',
      users: localUsers({ password, maintenancePassword }),
    });
    closeClickHouse = server.close;
  }

  const stripe = await startLocalStripe(vars);

  step('applying ClickHouse migrations');
  await migrateClickHouse({
    url: CLICKHOUSE_URL,
    user: LOCAL_MAINTENANCE_USER,
    password: maintenancePassword,
    database: 'edgebear',
  });

  step('applying D1 migrations and seeding the demo site (demo.test)');
  applyLocalD1();
  seedDemoSite();

  step('building the tracker and the dashboard');
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');

  step(`starting the Worker on ${WORKER_URL}`);
  const wrangler: ChildProcess = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      '8787',
      '--test-scheduled',
      '--show-interactive-dev-session=false',
    ],
    { stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );
  await waitFor(`${WORKER_URL}/demo/`, 60_000);
  const stopCrons = runCronLoop(WORKER_URL);
  await ensureDemoAccount(vars.DEMO_PASSWORD ?? '');

  console.log(`
  Edgebear is running.
    Worker + dashboard   ${WORKER_URL}/
    Demo site            ${WORKER_URL}/demo/
    Event endpoint       ${WORKER_URL}/api/event
    Metrics              ${WORKER_URL}/metrics  (Authorization: Bearer $METRICS_TOKEN from .dev.vars)
    ClickHouse (HTTP)    ${CLICKHOUSE_URL}  (users default and maintenance, passwords in .dev.vars)
    Local Stripe         ${stripe.url ?? 'not started (STRIPE_API_HOST in .dev.vars)'}  (test checkout and portal pages, events)
    Demo account         ${DEMO_EMAIL}  (password: DEMO_PASSWORD in .dev.vars; owns demo.test)
`);

  const shutdown = async (): Promise<void> => {
    stopCrons();
    wrangler.kill('SIGINT');
    await stripe.close();
    await closeClickHouse?.();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  wrangler.on('exit', (code) => {
    stopCrons();
    void Promise.all([stripe.close(), closeClickHouse?.()]).finally(() => process.exit(code ?? 0));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
