import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { TEST_CLICKHOUSE } from './test/setup/ports';

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
                METRICS_TOKEN: 'test-metrics-token',
                ADMIN_TOKEN: 'test-admin-token',
                ENVIRONMENT: 'test',
                TEST_MIGRATIONS: [],
              },
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup: ['test/setup/clickhouse.global.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
