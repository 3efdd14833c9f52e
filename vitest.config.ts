import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { TEST_CLICKHOUSE, TEST_STRIPE } from './test/setup/ports';
import { localPriceVars } from './tools/stripe/prices';

const d1Migrations = await readD1Migrations('schema/d1');

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                CLICKHOUSE_URL: TEST_CLICKHOUSE.url,
                CLICKHOUSE_USER: TEST_CLICKHOUSE.user,
                CLICKHOUSE_PASSWORD: TEST_CLICKHOUSE.password,
                CLICKHOUSE_MAINTENANCE_USER: TEST_CLICKHOUSE.maintenanceUser,
                CLICKHOUSE_MAINTENANCE_PASSWORD: TEST_CLICKHOUSE.maintenancePassword,
                METRICS_TOKEN: 'test-metrics-token',
                ADMIN_TOKEN: 'test-admin-token',
                ENVIRONMENT: 'test',
                // Tests that seal days call the seal job for their own sites; a cron run in another
                // test must not seal every site's days under tests that reuse visitor ids across days.
                SEAL_DAYS_PER_RUN: '0',
                // Tests seal and seal again, then read at once.
                SEALED_CACHE_SECONDS: '0',
                TEST_MIGRATIONS: d1Migrations,
                // Short windows keep tests quick; the behaviour is the same as in production.
                GROUP_COMMIT_MS: '50',
                // The SDK talks to the local Stripe server of test/setup/stripe.global.ts.
                STRIPE_API_HOST: TEST_STRIPE.host,
                STRIPE_API_PORT: String(TEST_STRIPE.port),
                STRIPE_API_PROTOCOL: 'http',
                STRIPE_SECRET_KEY: TEST_STRIPE.secretKey,
                STRIPE_WEBHOOK_SECRET: TEST_STRIPE.webhookSecret,
                ...localPriceVars(),
              },
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup: ['test/setup/clickhouse.global.ts', 'test/setup/stripe.global.ts'],
          setupFiles: ['test/setup/workers.setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/stack.global.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One browser and one stack on two cores: files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
