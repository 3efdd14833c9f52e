/**
 * Test ports, shifted by EDGEBEAR_TEST_PORT_OFFSET so two test runs on one machine (say, a fresh
 * clone checked beside a working tree) do not collide.
 */
const OFFSET = Number(process.env.EDGEBEAR_TEST_PORT_OFFSET ?? 0) || 0;

/** The ClickHouse instance tests start (never the developer's on 8123). */
export const TEST_CLICKHOUSE = {
  port: 18123 + OFFSET,
  url: `http://127.0.0.1:${18123 + OFFSET}`,
  user: 'default',
  password: 'test-password',
  /** The crons' user (CLICKHOUSE_MAINTENANCE_USER), with the grants production gives it. */
  maintenanceUser: 'maintenance',
  maintenancePassword: 'test-maintenance-password',
  database: 'edgebear',
} as const;

/**
 * The local Stripe server the workerd tests call through the SDK (test/setup/stripe.global.ts);
 * never the developer's on 12111. Its webhooks cannot reach a Worker inside workerd, so tests
 * read the events it made (`GET /_test/events`) and deliver them themselves, in any order.
 */
export const TEST_STRIPE = {
  port: 18111 + OFFSET,
  host: '127.0.0.1',
  secretKey: 'sk_test_edgebear_workers',
  webhookSecret: 'whsec_edgebear_workers_test',
} as const;

/** The end-to-end stack: its Worker port, its seeded sites and its vars. */
export const E2E = {
  workerPort: 18787 + OFFSET,
  sites: [
    { domain: 'demo.test', allowedHostnames: ['localhost', '127.0.0.1'] },
    { domain: 'e2e.test', allowedHostnames: ['localhost', '127.0.0.1'] },
    { domain: 'limited.test' },
    { domain: 'commit.test' },
  ],
  vars: {
    // One site gets a low limit so the per-site limit can be reached in a test.
    RATE_LIMIT_PER_SITE: '2000/60',
    // Links the Worker hands out (mails, Stripe Checkout's return and the Billing Portal's back link)
    // lead to this stack, not to `npm run dev` on 8787.
    APP_URL: `http://127.0.0.1:${18787 + OFFSET}`,
    // The billing test runs the 15-minute cron once to meter usage; sealing every site's ended days
    // on the way would change what the other tests' hand-made events read as.
    SEAL_DAYS_PER_RUN: '0',
    // The operator's daily email and job alerts go here (test/e2e/mail.test.ts reads them at /dev/mail).
    STAFF_EMAIL: 'operator@e2e.test',
  },
} as const;
