import { describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp } from '../helpers/accounts';
import { pageview, rows, send, waitForRows } from '../helpers/stack';
import { call, uniqueDomain } from './client';

describe('excluded paths at the edge', () => {
  it("drops events for the site's excluded paths with reason excluded_path and keeps the rest", async () => {
    const owner = await signUp();
    const created = await call<{ site: SiteJson }>('POST', '/api/sites', {
      as: owner,
      body: { domain: uniqueDomain() },
    });
    const site = created.body.site;
    const patch = await call('PATCH', `/api/sites/${site.id}`, {
      as: owner,
      body: { excluded_paths: ['/admin/**', '/drafts/*'] },
    });
    expect(patch.status).toBe(200);

    const drops: (string | null)[] = [];
    for (const path of ['/admin', '/admin/users/7', '/drafts/one', '/drafts/one/two', '/pricing']) {
      const res = await send('/api/event', pageview(site.domain, `https://${site.domain}${path}`));
      expect(res.status).toBe(202);
      drops.push(res.headers.get('x-edgebear-dropped'));
    }
    // `/admin/**` needs something after `/admin/`; `*` stays within one segment.
    expect(drops).toEqual([null, 'excluded_path', 'excluded_path', null, null]);

    const stored = await waitForRows<{ pathname: string }>(
      'SELECT pathname FROM events WHERE site_id = {site:UInt32} ORDER BY pathname',
      { site: site.id },
      3,
    );
    expect(stored.map((r) => r.pathname)).toEqual(['/admin', '/drafts/one/two', '/pricing']);
    expect(
      await rows('SELECT 1 FROM events WHERE site_id = {site:UInt32} AND pathname LIKE {p:String}', {
        site: site.id,
        p: '/admin/%',
      }),
    ).toEqual([]);
  });
});
