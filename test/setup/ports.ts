/** The ClickHouse instance tests start (never the developer's on 8123). */
export const TEST_CLICKHOUSE = {
  port: 18123,
  url: 'http://127.0.0.1:18123',
  user: 'default',
  password: 'test-password',
  database: 'edgebear',
} as const;
