import { LookupCache } from '../runtime/lookup-cache';

/** What the ingest path needs to know about a site. */
export interface SiteConfig {
  id: number;
  domain: string;
  publicKey: string;
  timezone: string;
  allowedHostnames: string[];
  respectDnt: boolean;
  /** Path patterns whose events are dropped (workers/ingest/drop/excluded-path.ts). */
  excludedPaths: string[];
  /** The owner, whose API keys may send server-side events; null for sites our scripts seeded. */
  billingProfileId: number | null;
}

interface SiteRow {
  id: number;
  domain: string;
  public_key: string;
  timezone: string;
  allowed_hostnames: string;
  respect_dnt: number;
  excluded_paths: string;
  billing_profile_id: number | null;
}

/** Sites an isolate keeps at most. */
export const MAX_CACHED_SITES = 10_000;
/** "No such site" answers an isolate keeps at most, apart from the sites. */
export const MAX_CACHED_MISSES = 2_000;
/** The longest an isolate remembers "no such site": a new site starts counting this soon. */
export const MISS_TTL_SECONDS = 10;

/**
 * Site lookups cached in the isolate, so the ingest path runs no D1 query per event.
 *
 * Invalidation is by time: a site lives `ttlSeconds` (SITE_CACHE_SECONDS, default 60), so a site
 * changed or deleted in D1 is seen by every isolate within that many seconds. "No such site" is
 * remembered too, so spam for unknown domains does not reach D1 each time, but apart from the
 * sites: at most {@link MAX_CACHED_MISSES} of them for at most {@link MISS_TTL_SECONDS}, so a flood
 * of made-up domains cannot evict a real site, and a new site is seen within seconds.
 * Concurrent misses for one key share one query.
 */
export class SiteCache {
  private readonly cache: LookupCache<SiteConfig>;

  constructor(
    private readonly db: D1Database,
    ttlSeconds: number,
    now: () => number = Date.now,
  ) {
    this.cache = new LookupCache({
      found: { maxEntries: MAX_CACHED_SITES, ttlMs: ttlSeconds * 1000 },
      missing: { maxEntries: MAX_CACHED_MISSES, ttlMs: Math.min(ttlSeconds, MISS_TTL_SECONDS) * 1000 },
      now,
      what: 'site lookup',
    });
  }

  /** D1 queries so far. */
  get queries(): number {
    return this.cache.loads;
  }

  /** Finds a live site by its domain or its public key. */
  lookup(domainOrKey: string): Promise<SiteConfig | null> {
    const key = domainOrKey.toLowerCase();
    return this.cache.get(key, () => this.load(key));
  }

  /** Drops cached entries (tests, and the sites API in the same isolate after a change). */
  invalidate(domainOrKey?: string): void {
    this.cache.invalidate(domainOrKey?.toLowerCase());
  }

  private async load(key: string): Promise<SiteConfig | null> {
    const row = await this.db
      .prepare(
        `SELECT id, domain, public_key, timezone, allowed_hostnames, respect_dnt, excluded_paths,
                billing_profile_id
           FROM sites WHERE (domain = ?1 OR public_key = ?1) AND deleted_at IS NULL LIMIT 1`,
      )
      .bind(key)
      .first<SiteRow>();
    return row ? toSiteConfig(row) : null;
  }
}

function stringList(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    if (Array.isArray(parsed)) return parsed.filter((h): h is string => typeof h === 'string');
  } catch {
    // Malformed: an empty list, the safe default (only the domain itself; nothing excluded).
  }
  return [];
}

function toSiteConfig(row: SiteRow): SiteConfig {
  const allowed = stringList(row.allowed_hostnames);
  return {
    id: row.id,
    domain: row.domain,
    publicKey: row.public_key,
    timezone: row.timezone,
    allowedHostnames: allowed,
    respectDnt: row.respect_dnt === 1,
    excludedPaths: stringList(row.excluded_paths),
    billingProfileId: row.billing_profile_id,
  };
}
