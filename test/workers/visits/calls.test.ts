import { describe, expect, it } from 'vitest';
import { createSite, pageview, rows, send, waitForRows, workerFetch } from '../helpers/stack';

/** The counters of /metrics, by series. */
async function metrics(): Promise<Map<string, number>> {
  const res = await workerFetch('/metrics', { headers: { authorization: 'Bearer test-metrics-token' } });
  const series = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const match = /^edgebear_(\S+) (\d+)$/.exec(line);
    if (match?.[1] && match[2]) series.set(match[1], Number(match[2]));
  }
  return series;
}

describe('visit-tracker calls per 1,000 events, from ingest through the real queue', () => {
  it('stays far below one per event, and every stored event has a visit id', async () => {
    const sites = await Promise.all([createSite(), createSite(), createSite()]);
    const before = await metrics();
    // 300 pageviews from 60 visitors (IP and user agent) over three sites, 20 at a time, as
    // concurrent browsers would send them.
    const sends = Array.from({ length: 300 }, (_, i) => () => {
      const site = sites[i % 3];
      if (!site) throw new Error('no site');
      return send('/api/event', pageview(site.domain, `https://${site.domain}/p${i % 7}`), {
        ip: `198.51.100.${10 + (i % 60)}`,
      });
    });
    for (let i = 0; i < sends.length; i += 20) {
      const answers = await Promise.all(sends.slice(i, i + 20).map((s) => s()));
      for (const answer of answers) expect(answer.status).toBe(202);
    }
    for (const site of sites) {
      const stored = await waitForRows<{ n: string }>(
        'SELECT session_id AS n FROM events WHERE site_id = {s:UInt32}',
        { s: site.id },
        100,
      );
      expect(stored).toHaveLength(100);
    }
    // 60 visitors with five pageviews each, seconds apart: 60 visits, none with the placeholder.
    const visits = await rows<{ visitors: string; visits: string; placeholders: string }>(
      `SELECT uniqExact(visitor_id) AS visitors, uniqExact(session_id) AS visits,
              countIf(session_id = 0) AS placeholders
         FROM events WHERE site_id IN {s:Array(UInt32)}`,
      { s: sites.map((s) => s.id) },
    );
    expect(visits).toEqual([{ visitors: '60', visits: '60', placeholders: '0' }]);

    // An isolate's counters reach /metrics with its next flush: wait until our 300 rows are in.
    let after = await metrics();
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    for (let i = 0; i < 50 && delta('rows_inserted_total') < 300; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await metrics();
    }
    const calls = delta('visit_tracker_calls_total');
    const inserted = delta('rows_inserted_total');
    // Other test files may insert meanwhile; ours alone are 300 rows.
    expect(inserted).toBeGreaterThanOrEqual(300);
    expect(calls).toBeGreaterThan(0);
    const perThousand = (1000 * calls) / inserted;
    console.log(`visit-tracker calls: ${calls} for ${inserted} events, ${perThousand.toFixed(1)} per 1,000`);
    expect(perThousand).toBeLessThan(100);
  });
});
