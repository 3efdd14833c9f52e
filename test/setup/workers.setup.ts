import { applyD1Migrations, type D1Migration } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Env } from '../../workers/env';

// Every test file starts from a migrated D1 (setup files run before each file).
await applyD1Migrations(
  (env as unknown as Env).DB,
  (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS,
);
