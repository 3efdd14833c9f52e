/** The ClickHouse instance tests start (never the developer's on 8123). */
export const TEST_CLICKHOUSE = {
  port: 18123,
  url: 'http://127.0.0.1:18123',
  user: 'default',
  password: 'test-password',
  database: 'edgebear',
} as const;

/** The end-to-end stack: its Worker port, its seeded sites and its vars. */
export const E2E = {
  workerPort: 18787,
  sites: [
    { domain: 'demo.test', allowedHostnames: ['localhost', '127.0.0.1'] },
    { domain: 'e2e.test', allowedHostnames: ['localhost', '127.0.0.1'] },
    { domain: 'limited.test' },
    { domain: 'commit.test' },
  ],
  vars: {
    // One site gets a low limit so the per-site limit can be reached in a test.
    RATE_LIMIT_PER_SITE: '2000/60',
  },
} as const;
