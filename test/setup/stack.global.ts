/**
 * Vitest globalSetup for end-to-end tests: the real stack (`wrangler dev` with local D1, Durable
 * Objects, Queues, and the test ClickHouse), reached over HTTP like production.
 */
import type { TestProject } from 'vitest/node';
import { startStack } from '../../scripts/lib/stack';
import { startTestClickHouse } from './clickhouse.global';
import { E2E, TEST_CLICKHOUSE } from './ports';

declare module 'vitest' {
  export interface ProvidedContext {
    workerUrl: string;
    clickhouseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const clickhouse = await startTestClickHouse();
  const stack = await startStack({
    clickhousePort: TEST_CLICKHOUSE.port,
    externalClickHouse: {
      url: TEST_CLICKHOUSE.url,
      password: TEST_CLICKHOUSE.password,
      maintenancePassword: TEST_CLICKHOUSE.maintenancePassword,
    },
    workerPort: E2E.workerPort,
    sites: E2E.sites,
    vars: E2E.vars,
    quiet: true,
  });
  project.provide('workerUrl', stack.workerUrl);
  project.provide('clickhouseUrl', TEST_CLICKHOUSE.url);
  return async () => {
    await stack.close();
    await clickhouse.stop();
  };
}
