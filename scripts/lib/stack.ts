/**
 * Starts a whole local Edgebear stack on ports of its choosing, in its own state directories:
 * chDB-backed ClickHouse, migrations, local D1 with a seeded site, a local Stripe, and
 * `wrangler dev`. Used by the drills, the benchmarks and the end-to-end tests, so none of them
 * touches the developer's `npm run dev` instance.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClickHouseServer } from '../../tools/clickhouse/server';
import { LOCAL_MAINTENANCE_USER, localUsers } from '../../tools/clickhouse/users';
import { localPriceVars, pricesFromVars } from '../../tools/stripe/prices';
import { type StripeServer, startStripeServer } from '../../tools/stripe/server';
import { migrateClickHouse } from '../migrate';
import { applyLocalD1, seedSite } from './local-d1';
import { workerdProcesses } from './workerd-processes';

export interface StackOptions {
  clickhousePort: number;
  /**
   * Use a ClickHouse that is already running (and migrated) instead of starting one. chDB is one
   * engine per process, so a test runner that already hosts one passes it here.
   */
  externalClickHouse?: { url: string; password: string; maintenancePassword?: string };
  workerPort: number;
  /** Extra vars for the Worker, e.g. GROUP_COMMIT_MS or rate limits. */
  vars?: Record<string, string>;
  sites?: readonly { domain: string; allowedHostnames?: readonly string[] }[];
  quiet?: boolean;
  /** Where wrangler's output goes when quiet (default: discarded). */
  logFile?: string;
  /**
   * Start a local Stripe (tools/stripe) for this stack and point the Worker's Stripe SDK at it
   * (default true). Its webhooks go to this stack's Worker.
   */
  stripe?: boolean;
  /** The local Stripe's port (default workerPort + 3000). */
  stripePort?: number;
}

/** The Stripe keys a stack's Worker and local Stripe share (local, test-mode only). */
const STACK_STRIPE_SECRET_KEY = 'sk_test_stack';
const STACK_STRIPE_WEBHOOK_SECRET = 'whsec_stack';

export interface Stack {
  workerUrl: string;
  clickhouseUrl: string;
  password: string;
  /** The local Stripe's base URL (API, /checkout, /portal, /_test hooks), or null without one. */
  stripeUrl: string | null;
  /** The secret its webhooks are signed with (STRIPE_WEBHOOK_SECRET), or null without one. */
  stripeWebhookSecret: string | null;
  stopClickHouse(): Promise<void>;
  startClickHouse(): Promise<void>;
  /** pid of the workerd process that runs the Worker itself (for CPU readings from /proc). */
  workerPid(): number | null;
  /** The Worker's local D1 and Durable Object state (`wrangler ... --persist-to`). */
  persistTo: string;
  close(): Promise<void>;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const root = join(tmpdir(), `edgebear-stack-${options.workerPort}-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const dataDir = join(root, 'clickhouse');
  const persistTo = join(root, 'wrangler');
  const external = options.externalClickHouse;
  const password = external?.password ?? 'stack-password';
  const maintenancePassword = external?.maintenancePassword ?? 'stack-maintenance-password';
  const clickhouseUrl = external?.url ?? `http://127.0.0.1:${options.clickhousePort}`;

  let server: { close(): Promise<void> } | null = null;
  const startClickHouse = async (): Promise<void> => {
    if (external) return;
    server = await startClickHouseServer({
      port: options.clickhousePort,
      host: '127.0.0.1',
      dataDir,
      users: localUsers({ password, maintenancePassword }),
    });
  };
  const stopClickHouse = async (): Promise<void> => {
    await server?.close();
    server = null;
  };

  await startClickHouse();
  if (!external)
    await migrateClickHouse({
      url: clickhouseUrl,
      user: LOCAL_MAINTENANCE_USER,
      password: maintenancePassword,
      database: 'edgebear',
      log: () => {},
    });
  applyLocalD1(persistTo);
  for (const site of options.sites ?? []) seedSite(site.domain, site.allowedHostnames ?? [], persistTo);

  const workerUrl = `http://127.0.0.1:${options.workerPort}`;
  const withStripe = options.stripe ?? true;
  const stripePort = options.stripePort ?? options.workerPort + 3000;

  // wrangler.toml's top level is production-safe (ENVIRONMENT production, no ClickHouse, Stripe
  // at api.stripe.com): a local stack says it is development, so /dev/mail and the benchmark
  // route are mounted, and its Stripe SDK talks to the stack's local Stripe.
  const vars: Record<string, string> = {
    ENVIRONMENT: 'development',
    // Links in mail and Stripe's return URLs point at this stack, not at `npm run dev`'s 8787.
    APP_URL: workerUrl,
    CLICKHOUSE_URL: clickhouseUrl,
    CLICKHOUSE_PASSWORD: password,
    // The crons' user; its name, `maintenance`, comes from wrangler.toml.
    CLICKHOUSE_MAINTENANCE_PASSWORD: maintenancePassword,
    METRICS_TOKEN: 'stack-metrics-token',
    ADMIN_TOKEN: 'stack-admin-token',
    ...(withStripe
      ? {
          STRIPE_API_HOST: '127.0.0.1',
          STRIPE_API_PORT: String(stripePort),
          STRIPE_API_PROTOCOL: 'http',
          STRIPE_SECRET_KEY: STACK_STRIPE_SECRET_KEY,
          STRIPE_WEBHOOK_SECRET: STACK_STRIPE_WEBHOOK_SECRET,
          ...localPriceVars(),
        }
      : {}),
    ...options.vars,
  };
  let stripe: StripeServer | null = null;
  if (withStripe) {
    stripe = await startStripeServer({
      port: stripePort,
      host: '127.0.0.1',
      webhookUrl: `${workerUrl}/api/billing/webhook`,
      webhookSecret: vars.STRIPE_WEBHOOK_SECRET ?? STACK_STRIPE_WEBHOOK_SECRET,
      secretKey: vars.STRIPE_SECRET_KEY,
      prices: pricesFromVars(vars),
    });
  }
  const args = [
    'wrangler',
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.workerPort),
    '--persist-to',
    persistTo,
    '--inspector-port',
    String(options.workerPort + 1000),
    '--show-interactive-dev-session=false',
    '--log-level',
    options.quiet && !options.logFile ? 'error' : 'info',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const logFd = options.quiet && options.logFile ? openSync(options.logFile, 'w') : null;
  const wrangler: ChildProcess = spawn('npx', args, {
    stdio: logFd !== null ? ['ignore', logFd, logFd] : options.quiet ? 'ignore' : 'inherit',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    detached: true,
  });
  try {
    await waitFor(`${workerUrl}/api/health`, 90_000);
  } catch (error) {
    await stripe?.close();
    throw error;
  }

  return {
    workerUrl,
    clickhouseUrl,
    password,
    stripeUrl: stripe?.url ?? null,
    stripeWebhookSecret: stripe ? (vars.STRIPE_WEBHOOK_SECRET ?? null) : null,
    stopClickHouse,
    startClickHouse,
    workerPid: () => workerdProcesses(wrangler.pid)?.worker ?? null,
    persistTo,
    async close() {
      if (wrangler.pid) {
        try {
          process.kill(-wrangler.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await stripe?.close();
      await stopClickHouse();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
