import { describe, expect, it } from 'vitest';
import { sealDay } from '../../../functions/stats/seal';
import { clickhouse, maintenanceClickhouse } from '../../../workers/clickhouse/client';
import { testEnv } from '../helpers/stack';

/**
 * The test ClickHouse enforces production's grants (docs/clickhouse.md, "Users and grants"), so a
 * job that signs in as the wrong user fails here as it would in production: ACCESS_DENIED, 497.
 */
describe('ClickHouse grants in the test stack', () => {
  const site = 910_000_000;

  it('refuses the ingest user what only the crons may do', async () => {
    const ingest = clickhouse(testEnv);
    await expect(sealDay(ingest, '2026-01-01', [site], 1)).rejects.toMatchObject({
      code: '497',
      type: 'ACCESS_DENIED',
    });
    await expect(
      ingest.command({
        query: 'ALTER TABLE {table:Identifier} DELETE WHERE site_id = {site:UInt32}',
        query_params: { table: 'events', site },
      }),
    ).rejects.toMatchObject({ code: '497' });
    await expect(ingest.command({ query: 'DROP TABLE IF EXISTS stats_daily' })).rejects.toMatchObject({
      code: '497',
    });
  });

  it('lets the maintenance user seal and delete', async () => {
    const maintenance = maintenanceClickhouse(testEnv);
    await sealDay(maintenance, '2026-01-01', [site], 1);
    await maintenance.command({
      query: 'ALTER TABLE {table:Identifier} DELETE WHERE site_id = {site:UInt32}',
      query_params: { table: 'stats_sealed', site },
      clickhouse_settings: { mutations_sync: '2' },
    });
  });
});
