import { describe, expect, it } from 'vitest';
import { daysToSeal, sealDay } from '../../../functions/stats/seal';
import { maintenanceClickhouse } from '../../../workers/clickhouse/client';
import { testEnv } from '../helpers/stack';

/**
 * Parameters of any size travel in the body (workers/clickhouse/body-params.ts): the seal job's
 * statements name every site of a day, and 2,000 ids no longer fit in a URL (the local ClickHouse
 * answered 431 from about 1,200 on).
 */
describe('parameters in the body', () => {
  it('seals a day of 2,000 sites in one go', async () => {
    // The seal job's user: the ingest user may not write the sealed tables.
    const client = maintenanceClickhouse(testEnv);
    // Ids far above the test sites', so nothing real is sealed (or changed) by this.
    const sites = Array.from({ length: 2_000 }, (_, i) => 900_000_000 + i);
    await expect(daysToSeal(client, Date.now(), sites)).resolves.toEqual([]);
    await expect(sealDay(client, '2026-01-01', sites, 1)).resolves.toBeUndefined();
  });
});
