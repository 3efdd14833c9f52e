/**
 * What seeded traffic is made of: the sites, their pages, where visits come from, where visitors
 * are, what they browse with, which goals they reach. Values use the same names and shapes the
 * ingest path stores (source names from the referrer list, `US-CA` regions, `macOS`, major
 * versions), so seeded data reads like real data in every panel.
 */
import { classifyReferrer } from '../../workers/ingest/enrich/referrer';
import { hash32, Random, WeightedChoice, zipfWeights } from './seed-random';

/** Seeded sites use ids from here on, far above what a development D1 hands out. */
export const FIRST_SEED_SITE_ID = 1_000_001;
export const BIG_SITE_DOMAIN = 'big.seed.test';

export interface SeedSite {
  id: number;
  domain: string;
  timezone: string;
  /** Events to write for this site. */
  events: number;
}

const TIMEZONES = [
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'UTC',
  'Asia/Tokyo',
  'Australia/Sydney',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Europe/Paris',
];

/**
 * `count` sites sharing `totalEvents`: the first (big.seed.test) holds 30 % (3 M of 10 M), the
 * rest follow a Zipf curve, as real customer bases do. Counts add up to `totalEvents` exactly.
 */
export function seedSites(totalEvents: number, count = 1000): SeedSite[] {
  const big = Math.round(totalEvents * 0.3);
  const weights = zipfWeights(count - 1, 1);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const sites: SeedSite[] = [
    { id: FIRST_SEED_SITE_ID, domain: BIG_SITE_DOMAIN, timezone: 'Europe/Berlin', events: big },
  ];
  let assigned = big;
  for (let i = 0; i < count - 1; i++) {
    const events = Math.floor(((totalEvents - big) * (weights[i] ?? 0)) / weightSum);
    assigned += events;
    sites.push({
      id: FIRST_SEED_SITE_ID + 1 + i,
      domain: `site-${String(i + 2).padStart(4, '0')}.seed.test`,
      timezone: TIMEZONES[hash32(i) % TIMEZONES.length] ?? 'UTC',
      events,
    });
  }
  // Rounding leftovers go to the second site, so the total is exact.
  const second = sites[1];
  if (second) second.events += totalEvents - assigned;
  else if (sites[0]) sites[0].events += totalEvents - assigned;
  return sites;
}

const SECTIONS = ['blog', 'docs', 'guides', 'products', 'changelog', 'integrations'];
const WORDS = [
  'fast',
  'privacy',
  'analytics',
  'edge',
  'launch',
  'pricing',
  'guide',
  'setup',
  'api',
  'export',
  'dashboard',
  'events',
  'goals',
  'funnels',
  'teams',
  'billing',
  'tracking',
  'cookies',
  'gdpr',
  'speed',
];
const TOP_PAGES = ['/', '/pricing', '/features', '/blog', '/docs', '/about', '/signup', '/login', '/contact'];

/** A site's pages in popularity order (rank 1 first); the home page always leads. */
export function sitePages(siteId: number, count: number): string[] {
  const random = new Random(siteId, 7);
  const pages = TOP_PAGES.slice(0, Math.min(count, TOP_PAGES.length));
  const seen = new Set(pages);
  while (pages.length < count) {
    const section = SECTIONS[random.int(SECTIONS.length)];
    const slug = `${WORDS[random.int(WORDS.length)]}-${WORDS[random.int(WORDS.length)]}-${random.int(1000)}`;
    const page = `/${section}/${slug}`;
    if (seen.has(page)) continue;
    seen.add(page);
    pages.push(page);
  }
  return pages;
}

/** Where a visit comes from, already classified the way ingest does it. */
export interface TrafficSource {
  referrer: string;
  referrer_source: string;
  channel: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_content: string;
  utm_term: string;
  click_id_param: string;
}

interface RawSource {
  weight: number;
  referrer: string;
  utm?: { source: string; medium: string; campaign: string; content?: string; term?: string };
  click?: string;
}

function rawSources(): RawSource[] {
  const sources: RawSource[] = [
    { weight: 34, referrer: '' },
    { weight: 28, referrer: 'https://www.google.com/' },
    { weight: 3, referrer: 'https://www.bing.com/' },
    { weight: 2, referrer: 'https://duckduckgo.com/' },
    { weight: 1, referrer: 'https://www.ecosia.org/' },
    { weight: 3, referrer: 'https://news.ycombinator.com/item?id=41234567' },
    { weight: 2.5, referrer: 'https://www.reddit.com/r/webdev/comments/abc/' },
    { weight: 2, referrer: 'https://t.co/x1y2z3' },
    { weight: 1.5, referrer: 'https://l.facebook.com/' },
    { weight: 1.2, referrer: 'https://www.linkedin.com/' },
    { weight: 2, referrer: 'https://github.com/edgebear/edgebear' },
    { weight: 1, referrer: 'https://chatgpt.com/' },
    { weight: 0.8, referrer: 'https://www.youtube.com/' },
    {
      weight: 4,
      referrer: '',
      utm: { source: 'newsletter', medium: 'email', campaign: 'weekly-digest' },
    },
    {
      weight: 2,
      referrer: 'https://www.google.com/',
      utm: { source: 'google', medium: 'cpc', campaign: 'brand', term: 'privacy analytics' },
      click: 'gclid',
    },
    { weight: 1, referrer: '', utm: { source: 'twitter', medium: 'social', campaign: 'launch-week' } },
    {
      weight: 0.6,
      referrer: '',
      utm: { source: 'producthunt', medium: 'referral', campaign: 'launch', content: 'banner' },
    },
  ];
  // A long tail of blogs and forums, Zipf-weighted, 8 % of traffic in all.
  const tail = zipfWeights(300, 1.1);
  const tailSum = tail.reduce((a, b) => a + b, 0);
  tail.forEach((w, i) => {
    sources.push({
      weight: (8 * w) / tailSum,
      referrer: `https://blog${i + 1}.example.org/posts/${hash32(i) % 500}`,
    });
  });
  return sources;
}

/** All sources with their weights, classified once with ingest's own referrer rules. */
export function trafficSources(): WeightedChoice<TrafficSource> {
  const raw = rawSources();
  const items = raw.map((s): TrafficSource => {
    const utm = {
      source: s.utm?.source ?? '',
      medium: s.utm?.medium ?? '',
      campaign: s.utm?.campaign ?? '',
      content: s.utm?.content ?? '',
      term: s.utm?.term ?? '',
    };
    const info = classifyReferrer(s.referrer, 'seed.test', utm, s.click ?? '');
    return {
      referrer: info.referrer,
      referrer_source: info.source,
      channel: info.channel,
      utm_source: utm.source,
      utm_medium: utm.medium,
      utm_campaign: utm.campaign,
      utm_content: utm.content,
      utm_term: utm.term,
      click_id_param: s.click ?? '',
    };
  });
  return new WeightedChoice(
    items,
    raw.map((s) => s.weight),
  );
}

export interface Place {
  country: string;
  region: string;
  city: string;
}

const PLACES: [number, string, [string, string][]][] = [
  [
    30,
    'US',
    [
      ['US-CA', 'San Francisco'],
      ['US-CA', 'Los Angeles'],
      ['US-NY', 'New York'],
      ['US-TX', 'Austin'],
      ['US-WA', 'Seattle'],
      ['US-IL', 'Chicago'],
    ],
  ],
  [
    11,
    'DE',
    [
      ['DE-BE', 'Berlin'],
      ['DE-BY', 'Munich'],
      ['DE-HH', 'Hamburg'],
    ],
  ],
  [
    8,
    'GB',
    [
      ['GB-ENG', 'London'],
      ['GB-ENG', 'Manchester'],
      ['GB-SCT', 'Edinburgh'],
    ],
  ],
  [
    6,
    'FR',
    [
      ['FR-IDF', 'Paris'],
      ['FR-ARA', 'Lyon'],
    ],
  ],
  [
    7,
    'IN',
    [
      ['IN-MH', 'Mumbai'],
      ['IN-KA', 'Bengaluru'],
    ],
  ],
  [
    4,
    'CA',
    [
      ['CA-ON', 'Toronto'],
      ['CA-BC', 'Vancouver'],
    ],
  ],
  [4, 'BR', [['BR-SP', 'São Paulo']]],
  [3, 'JP', [['JP-13', 'Tokyo']]],
  [3, 'NL', [['NL-NH', 'Amsterdam']]],
  [3, 'ES', [['ES-MD', 'Madrid']]],
  [3, 'AU', [['AU-NSW', 'Sydney']]],
  [2, 'PL', [['PL-14', 'Warsaw']]],
  [2, 'SE', [['SE-AB', 'Stockholm']]],
  [2, 'IT', [['IT-25', 'Milan']]],
  [1, 'CH', [['CH-ZH', 'Zürich']]],
  [1, '', [['', '']]],
];

export function places(): WeightedChoice<Place> {
  const items: Place[] = [];
  const weights: number[] = [];
  for (const [weight, country, cities] of PLACES) {
    cities.forEach(([region, city], i) => {
      items.push({ country, region, city });
      // The first city of a country is the biggest.
      weights.push((weight * (cities.length - i)) / ((cities.length * (cities.length + 1)) / 2));
    });
  }
  return new WeightedChoice(items, weights);
}

export interface Agent {
  device: 'Desktop' | 'Mobile' | 'Tablet';
  browser: string;
  browser_version: string;
  os: string;
  os_version: string;
}

const AGENTS: [number, Agent][] = [
  [22, { device: 'Desktop', browser: 'Chrome', browser_version: '131', os: 'Windows', os_version: '10' }],
  [10, { device: 'Desktop', browser: 'Chrome', browser_version: '131', os: 'macOS', os_version: '10.15' }],
  [6, { device: 'Desktop', browser: 'Safari', browser_version: '18', os: 'macOS', os_version: '10.15' }],
  [5, { device: 'Desktop', browser: 'Edge', browser_version: '131', os: 'Windows', os_version: '10' }],
  [4, { device: 'Desktop', browser: 'Firefox', browser_version: '133', os: 'Windows', os_version: '10' }],
  [2, { device: 'Desktop', browser: 'Firefox', browser_version: '133', os: 'Linux', os_version: '' }],
  [2, { device: 'Desktop', browser: 'Chrome', browser_version: '130', os: 'Linux', os_version: '' }],
  [18, { device: 'Mobile', browser: 'Safari', browser_version: '18', os: 'iOS', os_version: '18' }],
  [3, { device: 'Mobile', browser: 'Safari', browser_version: '17', os: 'iOS', os_version: '17' }],
  [15, { device: 'Mobile', browser: 'Chrome', browser_version: '131', os: 'Android', os_version: '14' }],
  [
    3,
    { device: 'Mobile', browser: 'Samsung Internet', browser_version: '26', os: 'Android', os_version: '14' },
  ],
  [1, { device: 'Mobile', browser: 'Firefox', browser_version: '133', os: 'Android', os_version: '13' }],
  [3, { device: 'Tablet', browser: 'Safari', browser_version: '18', os: 'iOS', os_version: '18' }],
  [1, { device: 'Tablet', browser: 'Chrome', browser_version: '131', os: 'Android', os_version: '13' }],
];

export function agents(): WeightedChoice<Agent> {
  return new WeightedChoice(
    AGENTS.map(([, a]) => a),
    AGENTS.map(([w]) => w),
  );
}

export interface Goal {
  name: string;
  /** Props the event carries; each value list is sampled uniformly. */
  props: Record<string, readonly string[]>;
  revenue?: { currency: string; amounts: readonly string[] };
}

const GOALS: [number, Goal][] = [
  [
    40,
    {
      name: 'Outbound Link: Click',
      props: { url: ['https://github.com/edgebear', 'https://x.com/edgebear'] },
    },
  ],
  [25, { name: 'Signup', props: { plan: ['free', 'pro', 'team'] } }],
  [15, { name: 'File Download', props: { url: ['/files/guide.pdf', '/files/pricing.pdf'] } }],
  [12, { name: 'Newsletter', props: { position: ['footer', 'inline'] } }],
  [
    8,
    {
      name: 'Purchase',
      props: { plan: ['pro', 'team'] },
      revenue: { currency: 'USD', amounts: ['9.000000', '29.000000', '99.000000'] },
    },
  ],
];

export function goals(): WeightedChoice<Goal> {
  return new WeightedChoice(
    GOALS.map(([, g]) => g),
    GOALS.map(([w]) => w),
  );
}

/**
 * Share of visits by local hour: quiet at night, rising through the morning, peaking in the
 * afternoon and early evening.
 */
export const HOURLY_SHAPE = [
  1.2, 0.8, 0.6, 0.5, 0.5, 0.7, 1.2, 2.2, 3.6, 4.8, 5.5, 5.8, 5.9, 6.0, 6.1, 6.0, 5.8, 5.6, 5.4, 5.2, 4.8,
  4.0, 3.0, 2.0,
];
