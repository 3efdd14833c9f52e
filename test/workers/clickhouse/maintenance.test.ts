import { afterEach, describe, expect, it, vi } from 'vitest';
import { maintenanceClickhouse } from '../../../workers/clickhouse/client';
import { ConfigError } from '../../../workers/config';
import { hardDeleteSites } from '../../../workers/cron/site-deletion';
import type { Env } from '../../../workers/env';
import { sealDaysJob } from '../../../workers/jobs/builtin';
import { createSite, testEnv } from '../helpers/stack';

/**
 * The crons that write outside `events` sign in as the maintenance user (CLICKHOUSE_MAINTENANCE_*):
 * the ingest user's grants (INSERT on events, SELECT) cannot seal days or delete sites.
 */

/** The user of every request the Worker sends to ClickHouse while `run` runs. */
async function usersSeen(run: () => Promise<unknown>): Promise<string[]> {
  const users: string[] = [];
  const real = globalThis.fetch;
  const origin = new URL(testEnv.CLICKHOUSE_URL).origin;
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).origin === origin) {
      const basic = request.headers.get('authorization')?.replace(/^Basic /, '') ?? '';
      users.push(atob(basic).split(':')[0] ?? '');
    }
    return real(input, init);
  });
  try {
    await run();
  } finally {
    vi.restoreAllMocks();
  }
  return users;
}

afterEach(() => vi.restoreAllMocks());

describe('the maintenance client', () => {
  it('refuses to exist without its user or password, in tests as in production', () => {
    for (const gap of [
      { CLICKHOUSE_MAINTENANCE_PASSWORD: undefined },
      { CLICKHOUSE_MAINTENANCE_PASSWORD: '' },
      { CLICKHOUSE_MAINTENANCE_USER: '' },
    ]) {
      for (const ENVIRONMENT of ['test', 'production']) {
        const env: Env = { ...testEnv, ENVIRONMENT, ...gap };
        expect(() => maintenanceClickhouse(env), JSON.stringify(gap)).toThrow(ConfigError);
      }
    }
  });

  it('sends the read settings too: ClickHouse stops a statement before the client gives up', async () => {
    const result = await maintenanceClickhouse(testEnv).query({
      query: `SELECT getSetting('max_execution_time') AS limit, getSetting('session_timezone') AS zone`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ limit: string | number; zone: string }>();
    expect(Number(row?.limit)).toBeGreaterThan(0);
    expect(row?.zone).toBe('UTC');
  });
});

describe('crons that write outside events', () => {
  it('the seal job signs in as the maintenance user', async () => {
    // A run "in 2000": nothing is due and nothing is superseded, but every statement still runs.
    const env = { ...testEnv, SEAL_DAYS_PER_RUN: '1' };
    const users = await usersSeen(() =>
      sealDaysJob.run({
        env,
        now: Date.UTC(2000, 0, 2),
        cron: '*/15 * * * *',
        period: 'test',
        signal: new AbortController().signal,
        transport: fetch,
      }),
    );
    expect(users.length).toBeGreaterThan(0);
    expect(new Set(users)).toEqual(new Set([testEnv.CLICKHOUSE_MAINTENANCE_USER]));
  });

  it('site deletion signs in as the maintenance user', async () => {
    const site = await createSite();
    await testEnv.DB.prepare(
      "UPDATE sites SET deleted_at = datetime('now', '-4 days'), delete_after = ?1 WHERE id = ?2",
    )
      .bind(Math.floor(Date.now() / 1000) - 3600, site.id)
      .run();
    const users = await usersSeen(async () => {
      const { deleted } = await hardDeleteSites(testEnv, Date.now());
      expect(deleted).toBeGreaterThanOrEqual(1);
    });
    expect(users.length).toBeGreaterThan(0);
    expect(new Set(users)).toEqual(new Set([testEnv.CLICKHOUSE_MAINTENANCE_USER]));
  });

  it('a cron with the wrong maintenance password fails instead of signing in as the ingest user', async () => {
    const env = { ...testEnv, SEAL_DAYS_PER_RUN: '1', CLICKHOUSE_MAINTENANCE_PASSWORD: 'wrong' };
    await expect(
      sealDaysJob.run({
        env,
        now: Date.UTC(2000, 0, 2),
        cron: '*/15 * * * *',
        period: 'test',
        signal: new AbortController().signal,
        transport: fetch,
      }),
    ).rejects.toThrow(/Authentication failed|password/i);
  });
});
