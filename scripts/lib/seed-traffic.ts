/**
 * Synthetic visits for `npm run seed`, written as TabSeparated rows of `events`. A visit is one
 * visitor's pageviews (with engagement and web-vitals events) and maybe a goal, at a time drawn
 * from the site's daily cycle in its own time zone. Visitor ids are stable per site and UTC day
 * (as ingest's daily salt makes them) and visit ids come from the consumer's own 30-minute rule
 * (`assignVisits`, docs/visits.md), so the rollups see visits as they would from real traffic.
 */
import { zoneOffsetMs } from '../../functions/stats/dates';
import { assignVisits, type VisitEvent, type VisitState } from '../../workers/visits/sessionize';
import {
  type Agent,
  agents,
  type Goal,
  goals,
  HOURLY_SHAPE,
  type Place,
  places,
  type SeedSite,
  sitePages,
  type TrafficSource,
  trafficSources,
} from './seed-catalog';
import { hash32, Random, WeightedChoice, zipfWeights } from './seed-random';

/** Column order of the rows below (a subset of events' columns, in schema order). */
export const SEED_COLUMNS = [
  'site_id',
  'timestamp',
  'kind',
  'name',
  'visitor_id',
  'session_id',
  'hostname',
  'pathname',
  'referrer',
  'referrer_source',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'click_id_param',
  'country',
  'region',
  'city',
  'device',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'props',
  'revenue_amount',
  'revenue_currency',
  'interactive',
  'scroll_depth',
  'engaged_ms',
  'lcp_ms',
  'inp_ms',
  'cls',
  'fcp_ms',
  'ttfb_ms',
  'dns_ms',
  'connect_ms',
  'dom_interactive_ms',
  'load_ms',
] as const;

export interface TrafficOptions {
  seed: number;
  /** Unix seconds; every event is before it. */
  end: number;
  days: number;
}

/** The catalogs every site draws from, built once per run. */
export interface SharedCatalog {
  sources: WeightedChoice<TrafficSource>;
  places: WeightedChoice<Place>;
  agents: WeightedChoice<Agent>;
  goals: WeightedChoice<Goal>;
}

export function sharedCatalog(): SharedCatalog {
  return { sources: trafficSources(), places: places(), agents: agents(), goals: goals() };
}

/** Average events per visit the shape below produces; sizes the visitor pools. */
const EVENTS_PER_VISIT = 5;
const NULL = '\\N';

/** Seconds the zone is ahead of UTC at the given instant (the Stats API's own reckoning). */
export function zoneOffsetSeconds(timezone: string, unixSeconds: number): number {
  return Math.round(zoneOffsetMs(unixSeconds * 1000, timezone) / 1000);
}

/**
 * Hour slots (their UTC start) of the last `days` local days before `end`, weighted by the daily
 * cycle in the site's zone, fewer visits at weekends and slow growth over the month.
 */
function hourSlots(site: SeedSite, opts: TrafficOptions): WeightedChoice<number> {
  const starts: number[] = [];
  const weights: number[] = [];
  const endOffset = zoneOffsetSeconds(site.timezone, opts.end);
  // Local midnight of the local day that contains `end`, as a UTC instant.
  const localEnd = opts.end + endOffset;
  const lastMidnightLocal = localEnd - (((localEnd % 86400) + 86400) % 86400);
  for (let d = opts.days - 1; d >= 0; d--) {
    const midnightLocal = lastMidnightLocal - d * 86400;
    const offset = zoneOffsetSeconds(site.timezone, midnightLocal - endOffset + 12 * 3600);
    const weekday = new Date(midnightLocal * 1000).getUTCDay();
    const dayWeight = (weekday === 0 || weekday === 6 ? 0.75 : 1) * (1 + (opts.days - d) * 0.01);
    for (let h = 0; h < 24; h++) {
      const start = midnightLocal + h * 3600 - offset;
      if (start + 3600 > opts.end || start < opts.end - opts.days * 86400) continue;
      starts.push(start);
      weights.push(dayWeight * (HOURLY_SHAPE[h] ?? 1));
    }
  }
  return new WeightedChoice(starts, weights);
}

interface Vitals {
  lcp: number;
  inp: number | null;
  cls: number;
  fcp: number;
  ttfb: number;
  dns: number;
  connect: number;
  domInteractive: number;
  load: number;
}

const DEVICE_SLOWDOWN: Record<Agent['device'], number> = { Desktop: 1, Tablet: 1.25, Mobile: 1.6 };

/** Web vitals and navigation timings with the long right tails real sites show. */
export function sampleVitals(random: Random, slowness: number): Vitals {
  const ms = (x: number) => Math.min(60_000, Math.max(0, Math.round(x)));
  const ttfb = ms(random.logNormal(280 * slowness, 0.6));
  const fcp = ms(ttfb + random.logNormal(850 * slowness, 0.45));
  const lcp = ms(fcp + random.logNormal(600 * slowness, 0.75));
  const domInteractive = ms(ttfb + random.logNormal(950 * slowness, 0.5));
  return {
    ttfb,
    fcp,
    lcp,
    domInteractive,
    load: ms(domInteractive + random.logNormal(800 * slowness, 0.6)),
    dns: random.chance(0.55) ? 0 : ms(random.logNormal(25, 0.8)),
    connect: random.chance(0.5) ? 0 : ms(random.logNormal(70 * slowness, 0.6)),
    // Only pages someone interacted with report INP.
    inp: random.chance(0.65) ? ms(random.logNormal(110 * slowness, 0.8)) : null,
    cls: random.chance(0.45) ? 0 : Math.round(Math.min(3, random.logNormal(0.04, 1.1)) * 10_000) / 10_000,
  };
}

/** A site's traffic, one visit at a time, until its share of events is written. */
export class SiteTraffic {
  remaining: number;
  private readonly random: Random;
  private readonly pages: string[];
  private readonly pageChoice: WeightedChoice<number>;
  private readonly pageSlowness: Float64Array;
  private readonly slots: WeightedChoice<number>;
  private readonly visitorsPerDay: number;
  /**
   * The site's visitors' visits so far, as the consumer's VisitTracker keeps them. Visits are drawn
   * at random times, not in time order, so nothing can be forgotten until the site is done: the
   * state lives as long as this object (one site at a time), at most the big site's visitors.
   */
  private readonly visits: VisitState = new Map();

  constructor(
    readonly site: SeedSite,
    private readonly opts: TrafficOptions,
    private readonly catalog: SharedCatalog,
  ) {
    this.remaining = site.events;
    this.random = new Random(opts.seed, site.id);
    const pageCount = site.events >= 1_000_000 ? 2000 : 15 + (hash32(site.id) % 300);
    this.pages = sitePages(site.id, pageCount);
    const pageIndexes = this.pages.map((_, i) => i);
    this.pageChoice = new WeightedChoice(pageIndexes, zipfWeights(pageCount, 1.1));
    this.pageSlowness = Float64Array.from(pageIndexes, (i) => 0.7 + (hash32(site.id, i, 3) % 100) / 100);
    this.slots = hourSlots(site, opts);
    // About 30 % of a day's visits come from someone who already visited that day.
    this.visitorsPerDay = Math.max(1, Math.round((0.7 * site.events) / EVENTS_PER_VISIT / opts.days));
  }

  /** Appends the next visit's rows to `out` (never more than `remaining`); returns how many. */
  nextVisit(out: string[]): number {
    const r = this.random;
    const site = this.site;
    let t = (this.slots.pick(r) ?? 0) + r.int(3600);
    const day = Math.floor(t / 86400);
    const visitorIndex = r.int(this.visitorsPerDay);
    // The visitor's device and place stay the same all day, as its id does.
    const person = new Random(this.opts.seed, site.id, day, visitorIndex);
    const visitor = person.uint64();
    const visitorText = visitor.toString();
    const agent = this.catalog.agents.pick(person);
    const place = this.catalog.places.pick(person);
    const source = this.catalog.sources.pick(r);

    // Everything from the referrer to the OS version is the same for the whole visit.
    const visitFields = [
      source.referrer,
      source.referrer_source,
      source.channel,
      source.utm_source,
      source.utm_medium,
      source.utm_campaign,
      source.utm_content,
      source.utm_term,
      source.click_id_param,
      place.country,
      place.region,
      place.city,
      agent.device,
      agent.browser,
      agent.browser_version,
      agent.os,
      agent.os_version,
    ].join('\t');

    // Rows wait here until the visit is drawn whole, then get their visit ids in one call, as a
    // consumer batch would.
    const heads: string[] = [];
    const tails: string[] = [];
    const events: VisitEvent[] = [];
    const nextDay = (day + 1) * 86400;
    let afterMidnight: bigint | undefined;
    const nextDayVisitor = (): bigint => {
      afterMidnight ??= new Random(this.opts.seed, site.id, day + 1, visitorIndex, 1).uint64();
      return afterMidnight;
    };
    const emit = (at: number, kind: string, name: string, page: string, tail: string) => {
      if (events.length >= this.remaining || at >= this.opts.end) return;
      // This draw was the millisecond of the event id `events` no longer has; it stays so a
      // `--seed` still writes the rows it wrote before, less that column.
      r.int(1000);
      // Past UTC midnight the day's salt has changed, and so has the visitor id (as ingest makes
      // it): the rest of the visit is a new visitor's, and a new visit.
      const id = at < nextDay ? visitor : nextDayVisitor();
      heads.push(`${site.id}\t${at}\t${kind}\t${name}\t${at < nextDay ? visitorText : id.toString()}`);
      tails.push(`${site.domain}\t${page}\t${visitFields}\t${tail}`);
      events.push({ visitor: id, timestamp: at * 1000 });
    };

    const bounce = r.chance(0.45);
    const pageviews = bounce ? 1 : 1 + r.geometric(0.55, 20);
    const slowness = DEVICE_SLOWDOWN[agent.device];
    const goalAt = r.chance(0.12) ? r.int(pageviews) : -1;
    for (let i = 0; i < pageviews; i++) {
      const pageIndex = this.pageChoice.index(r);
      const page = this.pages[pageIndex] ?? '/';
      const gap = bounce ? r.logNormal(25, 1) : 5 + r.exponential(45);
      emit(
        t,
        'pageview',
        'pageview',
        page,
        '{}\t0\t\t1\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N',
      );
      if (r.chance(0.55)) {
        const v = sampleVitals(r, slowness * (this.pageSlowness[pageIndex] ?? 1));
        const at = t + Math.min(Math.floor(gap), 2 + r.int(6));
        emit(
          at,
          'performance',
          'performance',
          page,
          `{}\t0\t\t0\t${NULL}\t${NULL}\t${v.lcp}\t${v.inp ?? NULL}\t${v.cls}\t${v.fcp}\t${v.ttfb}\t${v.dns}\t${v.connect}\t${v.domInteractive}\t${v.load}`,
        );
      }
      if (i === goalAt) {
        const goal = this.catalog.goals.pick(r);
        const props = Object.entries(goal.props)
          .map(([key, values]) => `'${key}':'${values[r.int(values.length)] ?? ''}'`)
          .join(',');
        const revenue = goal.revenue
          ? `${goal.revenue.amounts[r.int(goal.revenue.amounts.length)] ?? '0'}\t${goal.revenue.currency}`
          : '0\t';
        emit(
          t + Math.floor(gap / 2),
          'custom',
          goal.name,
          page,
          `{${props}}\t${revenue}\t1\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}`,
        );
      }
      if (r.chance(0.7)) {
        const engaged = Math.round(Math.min(gap * 1000, r.logNormal(15_000, 1)));
        const scroll = Math.min(100, Math.round(r.next() ** 0.7 * 100));
        emit(
          t + Math.max(1, Math.floor(gap)),
          'engagement',
          'engagement',
          page,
          `{}\t0\t\t0\t${scroll}\t${engaged}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${NULL}`,
        );
      }
      t += Math.max(1, Math.floor(gap));
      if (t >= this.opts.end) break;
    }
    const ids = assignVisits(this.visits, events);
    for (let i = 0; i < events.length; i++) out.push(`${heads[i]}\t${ids[i]}\t${tails[i]}`);
    this.remaining -= events.length;
    return events.length;
  }
}
