import { createScheduledController } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { clickhouse } from '../../../workers/clickhouse/client';
import { runScheduled } from '../../../workers/cron/scheduled';
import { signUp } from '../helpers/accounts';
import { pageview, rows, send, testEnv, waitForRows } from '../helpers/stack';
import { type Caller, call, uniqueDomain } from './client';

const HOUR = 3_600_000;

async function newSite(as: Caller, domain = uniqueDomain()): Promise<SiteJson> {
  const res = await call<{ site: SiteJson }>('POST', '/api/sites', { as, body: { domain } });
  expect(res.status).toBe(201);
  return res.body.site;
}

/** Rows of `site` in every ClickHouse table that has per-site rows. */
async function rowsPerTable(site: number): Promise<Record<string, number>> {
  const tables = ['events', 'pages_hourly', 'visit_hours', 'usage_hourly'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await rows<{ n: string }>(
      'SELECT count() AS n FROM {t:Identifier} WHERE site_id = {site:UInt32}',
      {
        t: table,
        site,
      },
    );
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

function fifteenMinuteCron(scheduledTime: number) {
  return createScheduledController({ cron: '*/15 * * * *', scheduledTime });
}

describe('DELETE /api/sites/:id', () => {
  it('stops ingesting at once, hides the site and frees its domain', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    // The site is in this isolate's ingest cache now.
    const before = await send('/api/event', pageview(site.domain));
    expect(before.headers.get('x-edgebear-dropped')).toBeNull();

    const res = await call<{ deleted: { id: number; deleted_at: string; delete_after: string } }>(
      'DELETE',
      `/api/sites/${site.id}`,
      { as: owner },
    );
    expect(res.status).toBe(200);
    const { deleted } = res.body;
    expect(deleted.id).toBe(site.id);
    expect(Date.parse(deleted.delete_after) - Date.parse(deleted.deleted_at)).toBe(72 * HOUR);

    const byDomain = await send('/api/event', pageview(site.domain));
    expect(byDomain.status).toBe(202);
    expect(byDomain.headers.get('x-edgebear-dropped')).toBe('unknown_site');
    const byKey = await send('/api/send', {
      type: 'event',
      payload: { website: site.public_key, hostname: site.domain, url: '/', screen: '1x1', language: 'en' },
    });
    expect(byKey.headers.get('x-edgebear-dropped')).toBe('unknown_site');

    expect((await call('GET', `/api/sites/${site.id}`, { as: owner })).status).toBe(404);
    expect((await call('DELETE', `/api/sites/${site.id}`, { as: owner })).status).toBe(404);
    const list = await call<{ sites: SiteJson[] }>('GET', '/api/sites', { as: owner });
    expect(list.body.sites.map((s) => s.id)).not.toContain(site.id);

    // The domain is free again, as a new site with a new id (the old data stays apart).
    const again = await newSite(owner, site.domain);
    expect(again.id).not.toBe(site.id);
  });

  // Mutations on every table of a ClickHouse that the whole suite shares: slow on a busy machine.
  it('the cron removes the site, its keys and all its ClickHouse data after 72 hours, and only then', {
    timeout: 120_000,
  }, async () => {
    const owner = await signUp();
    const doomed = await newSite(owner);
    const kept = await newSite(owner);
    const key = await call('POST', '/api/keys', { as: owner, body: { name: 'doomed', site_id: doomed.id } });
    expect(key.status).toBe(201);
    for (const site of [doomed, kept]) {
      for (const path of ['/', '/pricing']) {
        const res = await send('/api/event', pageview(site.domain, `https://${site.domain}${path}`));
        expect(res.headers.get('x-edgebear-dropped')).toBeNull();
      }
    }
    for (const site of [doomed, kept]) {
      await waitForRows('SELECT 1 FROM events WHERE site_id = {site:UInt32}', { site: site.id }, 2);
    }
    // The rollups too (a CI run once counted none right after the events had appeared).
    await waitForRows('SELECT 1 FROM pages_hourly WHERE site_id = {site:UInt32}', { site: doomed.id }, 1);
    expect((await rowsPerTable(doomed.id)).pages_hourly).toBeGreaterThan(0);

    const deletedAt = Date.now();
    expect((await call('DELETE', `/api/sites/${doomed.id}`, { as: owner })).status).toBe(200);
    // An event another isolate accepted from its cache after the delete lands in ClickHouse too.
    await clickhouse(testEnv).insert({
      table: 'events',
      values: [
        {
          site_id: doomed.id,
          timestamp: Math.floor(deletedAt / 1000),
          kind: 'pageview',
          name: 'pageview',
          visitor_id: '1',
          session_id: '1',
          hostname: doomed.domain,
          pathname: '/late',
        },
      ],
      format: 'JSONEachRow',
    });

    // 71 hours on, nothing is gone yet.
    await runScheduled(fifteenMinuteCron(deletedAt + 71 * HOUR), testEnv);
    expect((await rowsPerTable(doomed.id)).events).toBe(3);
    expect(
      await testEnv.DB.prepare('SELECT id FROM sites WHERE id = ?1').bind(doomed.id).first(),
    ).not.toBeNull();

    await runScheduled(fifteenMinuteCron(deletedAt + 73 * HOUR), testEnv);
    expect(Object.values(await rowsPerTable(doomed.id))).toEqual([0, 0, 0, 0]);
    expect(await testEnv.DB.prepare('SELECT id FROM sites WHERE id = ?1').bind(doomed.id).first()).toBeNull();
    expect(
      await testEnv.DB.prepare('SELECT id FROM api_keys WHERE site_id = ?1').bind(doomed.id).first(),
    ).toBeNull();
    const run = await testEnv.DB.prepare(
      "SELECT status AS last_status, detail FROM job_runs WHERE job = 'site_deletion' ORDER BY started_at DESC LIMIT 1",
    ).first<{
      last_status: string;
      detail: string;
    }>();
    expect(run?.last_status).toBe('ok');
    expect(run?.detail).toMatch(/^deleted [1-9]\d*$/);

    // The other site keeps everything, and a second run is harmless.
    expect((await rowsPerTable(kept.id)).events).toBe(2);
    await runScheduled(fifteenMinuteCron(deletedAt + 74 * HOUR), testEnv);
    expect((await rowsPerTable(kept.id)).events).toBe(2);
    expect((await call('GET', `/api/sites/${kept.id}`, { as: owner })).status).toBe(200);
  });
});
