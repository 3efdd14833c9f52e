import { LeasedLimiter, type LeaseSource, overshootBound } from '../../../workers/limits/lease';
import type { RateRule } from '../../../workers/limits/rule';
import { testEnv, uniquePrefix } from './env';

/** One event of a load shape: which client sends it, to which site, through which isolate. */
interface ShapeEvent {
  ip: string;
  site: string;
  isolate: number;
}

/** A load shape: the rules, the isolates and the events, in the order they are sent. */
export interface LoadShape {
  name: string;
  perIp: RateRule;
  perSite: RateRule;
  isolates: number;
  concurrency: number;
  events: ShapeEvent[];
}

/** What one shape costs and admits, counted at the Durable Object's door. */
export interface ShapeFigures {
  name: string;
  /** Where it was measured: workerd through the limiters directly, or HTTP through a `wrangler dev` stack. */
  via: 'workerd' | 'wrangler dev';
  events: number;
  doCalls: number;
  ipCalls: number;
  siteCalls: number;
  callsPer1000: number;
  /** The key (IP or site) that came closest to its documented bound. */
  tightestKey: string;
  tightestAdmitted: number;
  tightestLimit: number;
  tightestBound: number;
  /** Every key admitted at most its bound. */
  boundHolds: boolean;
  /** Keys that sent no more than their limit had every event admitted. */
  noFalseRefusals: boolean;
}

/** Deterministic PRNG (mulberry32), so every run sends the same events in the same order. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffled<T>(items: T[], seed: number): T[] {
  const next = random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

/** Clients stick to one isolate, as Cloudflare keeps a connection on one colo and isolate. */
function eventsOf(clients: { ip: string; site: string; count: number }[], isolates: number, seed: number) {
  const events: ShapeEvent[] = [];
  clients.forEach(({ ip, site, count }, i) => {
    for (let n = 0; n < count; n++) events.push({ ip, site, isolate: i % isolates });
  });
  return shuffled(events, seed);
}

const DEFAULT_PER_IP: RateRule = { limit: 300, periodSeconds: 60 };
const DEFAULT_PER_SITE: RateRule = { limit: 10_000, periodSeconds: 60 };

/** The three shapes of issue 13, plus (b) again at the default per-IP rule. */
export function loadShapes(): LoadShape[] {
  const sites = ['site-1', 'site-2', 'site-3'];
  // (a) 5,000 visitors, 2 events each, on 3 sites (60/30/10 %), through 3 isolates.
  const next = random(11);
  const visitors = Array.from({ length: 5_000 }, (_, i) => {
    const roll = next();
    return {
      ip: `10.${i >> 8}.${i & 255}.1`,
      site: sites[roll < 0.6 ? 0 : roll < 0.9 ? 1 : 2] ?? 'site-1',
      count: 2,
    };
  });
  // (b) an office behind NAT: 10 addresses, each sending its limit (or 10 % more), 64 in flight.
  const office = (count: number) =>
    Array.from({ length: 10 }, (_, i) => ({ ip: `192.0.2.${i}`, site: 'site-1', count }));
  const officeRule: RateRule = { limit: 30, periodSeconds: 60 };
  // (c) one site at its limit: 2,000 visitors of 5 events each = 10,000, through 3 isolates
  // (and 2,200 visitors, 10 % over it).
  const crowd = (visitors: number) =>
    Array.from({ length: visitors }, (_, i) => ({
      ip: `10.9.${i >> 8}.${i & 255}`,
      site: 'site-1',
      count: 5,
    }));
  return [
    {
      name: '(a) 5,000 visitor IPs, 3 sites',
      perIp: DEFAULT_PER_IP,
      perSite: DEFAULT_PER_SITE,
      isolates: 3,
      concurrency: 64,
      events: eventsOf(visitors, 3, 1),
    },
    {
      name: '(b) 10 IPs (NAT) at their limit, per IP 30/60',
      perIp: officeRule,
      perSite: DEFAULT_PER_SITE,
      isolates: 1,
      concurrency: 64,
      events: eventsOf(office(30), 1, 2),
    },
    {
      name: '(b) 10 IPs (NAT) 10 % over their limit, per IP 30/60',
      perIp: officeRule,
      perSite: DEFAULT_PER_SITE,
      isolates: 1,
      concurrency: 64,
      events: eventsOf(office(33), 1, 5),
    },
    {
      name: '(b) 10 IPs (NAT) at their limit, per IP 300/60',
      perIp: DEFAULT_PER_IP,
      perSite: DEFAULT_PER_SITE,
      isolates: 1,
      concurrency: 64,
      events: eventsOf(office(300), 1, 3),
    },
    {
      name: '(c) one site at its limit, 10,000/60',
      perIp: DEFAULT_PER_IP,
      perSite: DEFAULT_PER_SITE,
      isolates: 3,
      concurrency: 64,
      events: eventsOf(crowd(2_000), 3, 4),
    },
    {
      name: '(c) one site 10 % over its limit, 10,000/60',
      perIp: DEFAULT_PER_IP,
      perSite: DEFAULT_PER_SITE,
      isolates: 3,
      concurrency: 64,
      events: eventsOf(crowd(2_200), 3, 6),
    },
  ];
}

/** The real namespace, with every `lease` call counted per prefix: what the Durable Object sees. */
function countingNamespace(): LeaseSource & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  return {
    calls,
    getByName(name: string) {
      const prefix = name.slice(0, name.indexOf(':'));
      return {
        lease: (request) => {
          calls.set(prefix, (calls.get(prefix) ?? 0) + 1);
          return testEnv.RATE_LIMITER.getByName(name).lease(request);
        },
      };
    },
  };
}

/**
 * Sends a shape's events through per-IP and per-site `LeasedLimiter`s configured as the ingest
 * pipeline configures them (defaults, failing open; the per-IP check first), `concurrency`
 * events in flight, and counts the lease calls that reach the real `RateLimiter`.
 */
export async function runShape(shape: LoadShape): Promise<ShapeFigures> {
  const ns = countingNamespace();
  const ipPrefix = uniquePrefix('ip');
  const sitePrefix = uniquePrefix('site');
  const isolates = Array.from({ length: shape.isolates }, () => ({
    ip: new LeasedLimiter(ns, shape.perIp, { prefix: ipPrefix, failOpen: true }),
    site: new LeasedLimiter(ns, shape.perSite, { prefix: sitePrefix, failOpen: true }),
  }));
  const sent = new Map<string, number>();
  const admitted = new Map<string, number>();
  const seenBy = new Map<string, Set<number>>();
  const note = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  const started = Date.now();
  let nextEvent = 0;
  const worker = async () => {
    for (;;) {
      const event = shape.events[nextEvent++];
      if (!event) return;
      const isolate = isolates[event.isolate];
      if (!isolate) throw new Error('no such isolate');
      const ipKey = `ip ${event.ip}`;
      const siteKey = `site ${event.site}`;
      for (const key of [ipKey, siteKey]) {
        note(sent, key);
        seenBy.set(key, (seenBy.get(key) ?? new Set()).add(event.isolate));
      }
      if (!(await isolate.ip.check(event.ip)).allowed) continue;
      note(admitted, ipKey);
      if ((await isolate.site.check(event.site)).allowed) note(admitted, siteKey);
    }
  };
  await Promise.all(Array.from({ length: shape.concurrency }, worker));
  const elapsedMs = Date.now() - started;

  let tightest = { key: '', admitted: 0, limit: 0, bound: 1, share: -1 };
  let boundHolds = true;
  let noFalseRefusals = true;
  for (const [key, count] of sent) {
    const rule = key.startsWith('ip ') ? shape.perIp : shape.perSite;
    const got = admitted.get(key) ?? 0;
    const bound = overshootBound(rule, seenBy.get(key)?.size ?? 1, elapsedMs);
    if (got > bound) boundHolds = false;
    // Site keys only see what the per-IP limit let through.
    if (key.startsWith('ip ') && count <= rule.limit && got < count) noFalseRefusals = false;
    const share = got / bound;
    if (share > tightest.share) tightest = { key, admitted: got, limit: rule.limit, bound, share };
  }
  const ipCalls = ns.calls.get(ipPrefix) ?? 0;
  const siteCalls = ns.calls.get(sitePrefix) ?? 0;
  const doCalls = ipCalls + siteCalls;
  return {
    name: shape.name,
    via: 'workerd',
    events: shape.events.length,
    doCalls,
    ipCalls,
    siteCalls,
    callsPer1000: (doCalls / shape.events.length) * 1000,
    tightestKey: tightest.key,
    tightestAdmitted: tightest.admitted,
    tightestLimit: tightest.limit,
    tightestBound: tightest.bound,
    boundHolds,
    noFalseRefusals,
  };
}
