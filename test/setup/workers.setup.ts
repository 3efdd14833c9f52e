import { applyD1Migrations, type D1Migration } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Env } from '../../workers/env';

const testEnv = env as unknown as Env & { TEST_MIGRATIONS: D1Migration[] };

// Every test file starts from a migrated D1 (setup files run before each file).
await applyD1Migrations(testEnv.DB, testEnv.TEST_MIGRATIONS);

// Each file has its own D1 but all share one ClickHouse: start this file's site ids at a random
// base (AUTOINCREMENT continues after the highest id ever used), so files never share a site_id.
const base = 1_000 + Math.floor(Math.random() * 2_000_000) * 1_000;
await testEnv.DB.prepare(
  "INSERT INTO sites (id, domain, public_key) VALUES (?1, 'id-base.invalid', 'id-base')",
)
  .bind(base)
  .run();
await testEnv.DB.prepare('DELETE FROM sites WHERE id = ?1').bind(base).run();
