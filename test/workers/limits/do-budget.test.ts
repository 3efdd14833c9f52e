import { describe, expect, it } from 'vitest';
import { LeasedLimiter } from '../../../workers/limits/lease';
import { testEnv, uniquePrefix } from './env';

const perIp = { limit: 300, periodSeconds: 60 };
const perSite = { limit: 10_000, periodSeconds: 60 };

/** Deterministic PRNG (mulberry32), so the mix is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * 1,000 events from 150 IPs with Zipf-like counts (exponent 0.7: most visitors send 3–15
 * events, a few heavy ones — an office NAT, a crawler — send 30–80), on 3 sites (60/30/10 %).
 */
function realisticMix(): { ip: string; site: string }[] {
  const weights = Array.from({ length: 150 }, (_, i) => 1 / (i + 1) ** 0.7);
  const total = weights.reduce((sum, w) => sum + w, 0);
  const counts = weights.map((w) => Math.max(1, Math.floor((w / total) * 1_000)));
  for (let i = 0; counts.reduce((sum, c) => sum + c, 0) < 1_000; i++)
    counts[i % counts.length] = (counts[i % counts.length] ?? 0) + 1;
  const next = random(7);
  const events: { ip: string; site: string }[] = [];
  counts.forEach((count, i) => {
    const roll = next();
    const site = roll < 0.6 ? 'site-1' : roll < 0.9 ? 'site-2' : 'site-3';
    for (let n = 0; n < count; n++) events.push({ ip: `198.51.100.${i}`, site });
  });
  // Shuffle, so visitors interleave as they would in real traffic.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [events[i], events[j]] = [
      events[j] as { ip: string; site: string },
      events[i] as { ip: string; site: string },
    ];
  }
  return events.slice(0, 1_000);
}

/** Runs the mix through `count` isolates (each client sticks to one), 20 events in flight at a time. */
async function runMix(count: number, msBetweenEvents: number) {
  let clock = Date.now();
  const now = () => clock;
  const ipPrefix = uniquePrefix('ip');
  const sitePrefix = uniquePrefix('site');
  // Configured as the ingest pipeline does (defaults, failing open), plus a test clock.
  const isolates = Array.from({ length: count }, () => ({
    ip: new LeasedLimiter(testEnv.RATE_LIMITER, perIp, { prefix: ipPrefix, failOpen: true, now }),
    site: new LeasedLimiter(testEnv.RATE_LIMITER, perSite, { prefix: sitePrefix, failOpen: true, now }),
  }));
  const events = realisticMix();
  expect(events).toHaveLength(1_000);

  let admitted = 0;
  for (let i = 0; i < events.length; i += 20) {
    const results = await Promise.all(
      events.slice(i, i + 20).map(async ({ ip, site }) => {
        const isolate = isolates[Number(ip.split('.')[3]) % count];
        if (!isolate) throw new Error('no isolate');
        const byIp = await isolate.ip.check(ip);
        return byIp.allowed && (await isolate.site.check(site)).allowed;
      }),
    );
    admitted += results.filter(Boolean).length;
    clock += 20 * msBetweenEvents;
  }
  const ipCalls = isolates.reduce((sum, isolate) => sum + isolate.ip.stats.doCalls, 0);
  const siteCalls = isolates.reduce((sum, isolate) => sum + isolate.site.stats.doCalls, 0);
  return { admitted, ipCalls, siteCalls, doCalls: ipCalls + siteCalls };
}

describe('Durable Object calls for a realistic mix', () => {
  it.each([
    [1, 0],
    [3, 0],
    [1, 60],
    [3, 60],
  ])('stay within 50 per 1,000 events (%i isolate(s), %i ms between events)', async (count, gap) => {
    const { admitted, ipCalls, siteCalls, doCalls } = await runMix(count, gap);
    const spread = gap === 0 ? 'as one burst' : `${gap} ms apart (${gap} s in all)`;
    console.log(
      `realistic mix, ${count} isolate(s), ${spread}: ${doCalls} DO calls per 1,000 events ` +
        `(${ipCalls} per-IP, ${siteCalls} per-site)`,
    );
    expect(admitted).toBe(1_000);
    expect(doCalls).toBeLessThanOrEqual(50);
  });
});
