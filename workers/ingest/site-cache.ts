import { awaitShared } from '../runtime/shared-promise';

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
}

interface SiteRow {
  id: number;
  domain: string;
  public_key: string;
  timezone: string;
  allowed_hostnames: string;
  respect_dnt: number;
  excluded_paths: string;
}

interface Entry {
  site: SiteConfig | null;
  expiresAt: number;
}

const MAX_ENTRIES = 10_000;

/**
 * Site lookups cached in the isolate, so the ingest path runs no D1 query per event.
 *
 * Invalidation is by time: an entry (including "no such site", so spam for unknown domains
 * does not reach D1 either) lives `ttlSeconds` (SITE_CACHE_SECONDS, default 60). A site created,
 * changed or deleted in D1 is therefore seen by every isolate within that many seconds.
 * Concurrent misses for one key share one query.
 */
export class SiteCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<SiteConfig | null>>();
  queries = 0;

  constructor(
    private readonly db: D1Database,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Finds a live site by its domain or its public key. */
  async lookup(domainOrKey: string): Promise<SiteConfig | null> {
    const key = domainOrKey.toLowerCase();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.site;
    const running = this.inflight.get(key);
    if (running) return awaitShared(running, 10_000, 'site lookup');
    const query = this.load(key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, query);
    return query;
  }

  /** Drops cached entries (tests, and the sites API in the same isolate after a change). */
  invalidate(domainOrKey?: string): void {
    if (domainOrKey === undefined) this.entries.clear();
    else this.entries.delete(domainOrKey.toLowerCase());
  }

  private async load(key: string): Promise<SiteConfig | null> {
    this.queries++;
    const row = await this.db
      .prepare(
        `SELECT id, domain, public_key, timezone, allowed_hostnames, respect_dnt, excluded_paths
           FROM sites WHERE (domain = ?1 OR public_key = ?1) AND deleted_at IS NULL LIMIT 1`,
      )
      .bind(key)
      .first<SiteRow>();
    const site = row ? toSiteConfig(row) : null;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { site, expiresAt: this.now() + this.ttlSeconds * 1000 });
    return site;
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
  };
}
