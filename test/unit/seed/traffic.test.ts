import { describe, expect, it } from 'vitest';
import { BIG_SITE_DOMAIN, FIRST_SEED_SITE_ID, seedSites } from '../../../scripts/lib/seed-catalog';
import { Random, WeightedChoice } from '../../../scripts/lib/seed-random';
import {
  SEED_COLUMNS,
  SiteTraffic,
  sharedCatalog,
  zoneOffsetSeconds,
} from '../../../scripts/lib/seed-traffic';
import { d1SitesSql, progressLine } from '../../../scripts/seed';
import { VISIT_GAP_MS } from '../../../workers/visits/sessionize';

const END = Date.UTC(2026, 10, 26, 12) / 1000;
const OPTS = { seed: 1, end: END, days: 30 };

function visits(siteEvents: number, count: number, seed = 1): string[][] {
  const [site] = seedSites(siteEvents * 10, 10);
  if (!site) throw new Error('no site');
  const traffic = new SiteTraffic(site, { ...OPTS, seed }, sharedCatalog());
  const rows: string[] = [];
  for (let i = 0; i < count; i++) traffic.nextVisit(rows);
  return rows.map((row) => row.split('\t'));
}

const column = (name: (typeof SEED_COLUMNS)[number]) => SEED_COLUMNS.indexOf(name);

describe('seed sites', () => {
  it('gives the big site 30 % of the events, site ids from 1,000,001, and adds up exactly', () => {
    const sites = seedSites(10_000_000);
    expect(sites).toHaveLength(1000);
    expect(sites[0]).toMatchObject({ id: FIRST_SEED_SITE_ID, domain: BIG_SITE_DOMAIN, events: 3_000_000 });
    expect(sites.at(-1)?.id).toBe(1_001_000);
    expect(sites.reduce((sum, s) => sum + s.events, 0)).toBe(10_000_000);
    expect(new Set(sites.map((s) => s.domain)).size).toBe(1000);
  });

  it('writes D1 rows owned by the given billing profile', () => {
    const sql = d1SitesSql(seedSites(1000, 2), 7);
    expect(sql).toContain("(1000001, 'big.seed.test', 'seed-1000001', 'Europe/Berlin', 7)");
  });
});

describe('seed traffic', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(visits(100_000, 50)).toEqual(visits(100_000, 50));
    expect(visits(100_000, 50, 2)).not.toEqual(visits(100_000, 50));
  });

  it('writes one field per column, kinds the schema knows, times inside the window', () => {
    for (const row of visits(100_000, 500)) {
      expect(row).toHaveLength(SEED_COLUMNS.length);
      expect(['pageview', 'custom', 'engagement', 'performance']).toContain(row[column('kind')]);
      const t = Number(row[column('timestamp')]);
      expect(t).toBeLessThan(END);
      expect(t).toBeGreaterThanOrEqual(END - 30 * 86400);
    }
  });

  it('gives visit ids by the 30-minute rule: a drawn visit joins one the visitor made within 30 minutes', () => {
    // A small site: few visitors a day, so some come back within 30 minutes.
    const [site] = seedSites(30_000, 10);
    if (!site) throw new Error('no site');
    const traffic = new SiteTraffic(site, OPTS, sharedCatalog());
    const byVisit = new Map<string, { visitor: string; times: number[]; draws: Set<number> }>();
    let bridging = 0;
    let draws = 0;
    for (; traffic.remaining > 0; draws++) {
      const draw = draws;
      const rows: string[] = [];
      traffic.nextVisit(rows);
      // Visits are drawn out of time order, and the rule never merges two stored visits, so a
      // drawn visit that falls between two of the visitor's visits can keep both ids (rarely).
      if (new Set(rows.map((row) => row.split('\t')[column('session_id')])).size > 1) bridging++;
      for (const row of rows.map((r) => r.split('\t'))) {
        const id = row[column('session_id')] ?? '';
        const visit = byVisit.get(id) ?? {
          visitor: row[column('visitor_id')] ?? '',
          times: [],
          draws: new Set(),
        };
        expect(row[column('visitor_id')]).toBe(visit.visitor);
        visit.times.push(Number(row[column('timestamp')]));
        visit.draws.add(draw);
        byVisit.set(id, visit);
      }
    }
    let joined = 0;
    for (const visit of byVisit.values()) {
      const times = visit.times.sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) {
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeLessThanOrEqual(VISIT_GAP_MS / 1000);
      }
      if (visit.draws.size > 1) joined++;
    }
    expect(joined).toBeGreaterThan(0);
    expect(bridging).toBeLessThan(draws / 100);
  });

  it('gives each pageview of a visit a later second, so entry and exit pages are the first and last pageview', () => {
    // sessions_hourly orders a visit's events by their second; pageviews sharing one would tie.
    const [site] = seedSites(1_000_000, 10);
    if (!site) throw new Error('no site');
    const traffic = new SiteTraffic(site, OPTS, sharedCatalog());
    let multiPage = 0;
    for (let i = 0; i < 500; i++) {
      const rows: string[] = [];
      traffic.nextVisit(rows);
      const seconds = rows
        .map((row) => row.split('\t'))
        .filter((row) => row[column('kind')] === 'pageview')
        .map((row) => Number(row[column('timestamp')]));
      for (let j = 1; j < seconds.length; j++) expect(seconds[j]).toBeGreaterThan(seconds[j - 1] ?? 0);
      if (seconds.length > 1) multiPage++;
    }
    expect(multiPage).toBeGreaterThan(100);
  });

  it('follows the daily cycle in the site time zone: afternoons busier than nights', () => {
    const byHour = new Array(24).fill(0);
    for (const row of visits(1_000_000, 5000)) {
      const t = Number(row[column('timestamp')]);
      const localHour = Math.floor(((t + zoneOffsetSeconds('Europe/Berlin', t)) % 86400) / 3600);
      byHour[localHour]++;
    }
    expect(byHour[15]).toBeGreaterThan(4 * byHour[3]);
  });

  it('puts the home page first and lets a few pages take most views (Zipf)', () => {
    const counts = new Map<string, number>();
    const pageviews = visits(1_000_000, 5000).filter((r) => r[column('kind')] === 'pageview');
    for (const row of pageviews) {
      const page = row[column('pathname')] ?? '';
      counts.set(page, (counts.get(page) ?? 0) + 1);
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    expect(ranked[0]?.[0]).toBe('/');
    const top10 = ranked.slice(0, 10).reduce((sum, [, n]) => sum + n, 0);
    expect(top10 / pageviews.length).toBeGreaterThan(0.3);
  });

  it('stops at the site quota exactly', () => {
    const [site] = seedSites(1000, 1);
    if (!site) throw new Error('no site');
    const traffic = new SiteTraffic({ ...site, events: 1234 }, OPTS, sharedCatalog());
    const rows: string[] = [];
    while (traffic.remaining > 0) traffic.nextVisit(rows);
    expect(rows).toHaveLength(1234);
  });
});

describe('seed helpers', () => {
  it('weighted choice follows its weights', () => {
    const choice = new WeightedChoice(['a', 'b'], [3, 1]);
    const random = new Random(5);
    let a = 0;
    for (let i = 0; i < 10_000; i++) if (choice.pick(random) === 'a') a++;
    expect(a / 10_000).toBeCloseTo(0.75, 1);
  });

  it('progress line shows share, counts and rate', () => {
    expect(progressLine(5_000_000, 10_000_000, 50)).toContain(
      '50.0 %  5,000,000 / 10,000,000  100,000 rows/s  ETA 50 s',
    );
  });
});
