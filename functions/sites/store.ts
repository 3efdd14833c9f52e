import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from '../auth/password';
import { randomToken } from '../auth/tokens';
import { ApiError } from '../errors';
import { MAX_SHARED_LINK_PASSWORD, type SharedLinkChange } from './validate';

/** How long a deleted site waits before the cron removes it and its data for good. */
export const DELETE_GRACE_SECONDS = 72 * 3600;

/** A row of `sites` as D1 returns it. */
export interface SiteRow {
  id: number;
  billing_profile_id: number | null;
  domain: string;
  public_key: string;
  timezone: string;
  allowed_hostnames: string;
  respect_dnt: number;
  public_dashboard: number;
  shared_link_id: string | null;
  shared_link_password_hash: string | null;
  shared_link_password_salt: string | null;
  excluded_paths: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  delete_after: number | null;
}

/** A site as the API shows it to its owner. Never includes the shared link's password hash. */
export interface SiteJson {
  id: number;
  domain: string;
  public_key: string;
  timezone: string;
  allowed_hostnames: string[];
  respect_dnt: boolean;
  public_dashboard: boolean;
  excluded_paths: string[];
  shared_link: { id: string; url: string; password_protected: boolean } | null;
  created_at: string;
  updated_at: string;
}

function list(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export function siteJson(row: SiteRow, appUrl: string): SiteJson {
  return {
    id: row.id,
    domain: row.domain,
    public_key: row.public_key,
    timezone: row.timezone,
    allowed_hostnames: list(row.allowed_hostnames),
    respect_dnt: row.respect_dnt === 1,
    public_dashboard: row.public_dashboard === 1,
    excluded_paths: list(row.excluded_paths),
    shared_link: row.shared_link_id
      ? {
          id: row.shared_link_id,
          url: `${appUrl}/share/${row.shared_link_id}`,
          password_protected: row.shared_link_password_hash !== null,
        }
      : null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The app's public origin, without a trailing slash. */
export function appUrl(env: { APP_URL?: string }): string {
  return (env.APP_URL || 'http://127.0.0.1:8787').replace(/\/+$/, '');
}

/**
 * A live site of the billing profile, or a 404. Someone else's site and a missing one look the
 * same, so ids cannot be probed.
 */
export async function ownedSite(db: D1Database, billingProfileId: number, idParam: string): Promise<SiteRow> {
  const id = /^[1-9]\d{0,9}$/.test(idParam) ? Number(idParam) : 0;
  const row =
    id > 0 && id <= 2 ** 31
      ? await db
          .prepare('SELECT * FROM sites WHERE id = ?1 AND billing_profile_id = ?2 AND deleted_at IS NULL')
          .bind(id, billingProfileId)
          .first<SiteRow>()
      : null;
  if (!row) throw new ApiError(404, 'not_found', 'no such site');
  return row;
}

export async function listSites(db: D1Database, billingProfileId: number): Promise<SiteRow[]> {
  const result = await db
    .prepare('SELECT * FROM sites WHERE billing_profile_id = ?1 AND deleted_at IS NULL ORDER BY domain')
    .bind(billingProfileId)
    .all<SiteRow>();
  return result.results;
}

/** Why a domain could not be added: the caller's own live site has it, or anyone else holds it. */
export type DomainConflict = 'own_site' | 'held';

/**
 * Adds a site for `domain`, or says why not. A domain is held by whoever has a site for it,
 * live or soft-deleted (until the cron's hard delete), so deleting a site never hands its domain
 * to another account; the billing profile that deleted it may add it again (as a new site).
 * A domain with an unowned (seeded) site is held too.
 */
export async function createSite(
  db: D1Database,
  billingProfileId: number,
  domain: string,
  timezone: string,
): Promise<{ site: SiteRow } | { conflict: DomainConflict }> {
  try {
    // A soft-deleted site keeps its domain as `<domain>#deleted-<id>` (see softDeleteSite); the
    // range matches exactly those names and uses the UNIQUE index on domain.
    const row = await db
      .prepare(
        `INSERT INTO sites (billing_profile_id, domain, public_key, timezone)
         SELECT ?1, ?2, ?3, ?4
          WHERE NOT EXISTS (
            SELECT 1 FROM sites
             WHERE domain >= ?2 || '#deleted-' AND domain < ?2 || '#deleted.'
               AND deleted_at IS NOT NULL AND billing_profile_id IS NOT ?1)
         RETURNING *`,
      )
      .bind(billingProfileId, domain, crypto.randomUUID(), timezone)
      .first<SiteRow>();
    return row ? { site: row } : { conflict: 'held' };
  } catch (error) {
    if (!(error instanceof Error && /UNIQUE constraint failed: sites\.domain/.test(error.message)))
      throw error;
    const live = await db
      .prepare('SELECT billing_profile_id FROM sites WHERE domain = ?1')
      .bind(domain)
      .first<{ billing_profile_id: number | null }>();
    return { conflict: live?.billing_profile_id === billingProfileId ? 'own_site' : 'held' };
  }
}

/** Columns the API may change, in the order updates are applied. */
export interface SiteChanges {
  timezone?: string;
  allowed_hostnames?: string[];
  respect_dnt?: boolean;
  public_dashboard?: boolean;
  excluded_paths?: string[];
  shared_link?: SharedLinkChange | null;
}

/** Applies `changes` to an owned site and returns the updated row. */
export async function updateSite(db: D1Database, site: SiteRow, changes: SiteChanges): Promise<SiteRow> {
  // Column names come from this list only; values are always bound parameters.
  const sets: [string, unknown][] = [];
  if (changes.timezone !== undefined) sets.push(['timezone', changes.timezone]);
  if (changes.allowed_hostnames !== undefined)
    sets.push(['allowed_hostnames', JSON.stringify(changes.allowed_hostnames)]);
  if (changes.respect_dnt !== undefined) sets.push(['respect_dnt', changes.respect_dnt ? 1 : 0]);
  if (changes.public_dashboard !== undefined)
    sets.push(['public_dashboard', changes.public_dashboard ? 1 : 0]);
  if (changes.excluded_paths !== undefined)
    sets.push(['excluded_paths', JSON.stringify(changes.excluded_paths)]);
  if (changes.shared_link === null) {
    sets.push(
      ['shared_link_id', null],
      ['shared_link_password_hash', null],
      ['shared_link_password_salt', null],
    );
  } else if (changes.shared_link !== undefined) {
    const link = changes.shared_link;
    if (link.rotate || site.shared_link_id === null) sets.push(['shared_link_id', randomToken(16)]);
    if (link.password === null) {
      sets.push(['shared_link_password_hash', null], ['shared_link_password_salt', null]);
    } else if (link.password !== undefined) {
      const hashed = await hashPassword(link.password);
      sets.push(['shared_link_password_hash', hashed.hash], ['shared_link_password_salt', hashed.salt]);
    }
  }
  if (sets.length === 0) return site;
  const assignments = sets.map(([column], i) => `${column} = ?${i + 3}`).join(', ');
  const row = await db
    .prepare(
      `UPDATE sites SET ${assignments}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE id = ?1 AND billing_profile_id = ?2 AND deleted_at IS NULL RETURNING *`,
    )
    .bind(site.id, site.billing_profile_id, ...sets.map(([, value]) => value))
    .first<SiteRow>();
  if (!row) throw new ApiError(404, 'not_found', 'no such site');
  return row;
}

/**
 * Soft delete: the site disappears from the API and the ingest path at once, its domain is
 * renamed to `<domain>#deleted-<id>` (so UNIQUE(domain) lets its owner add it again as a new site,
 * while `createSite` keeps it from everyone else until the hard delete), its shared link and keys
 * stop working, and the cron removes it and all its data after 72 h.
 */
export async function softDeleteSite(
  db: D1Database,
  site: SiteRow,
  nowMs: number,
): Promise<{ deletedAt: string; deleteAfter: number }> {
  const nowSeconds = Math.floor(nowMs / 1000);
  const deletedAt = new Date(nowSeconds * 1000).toISOString();
  const deleteAfter = nowSeconds + DELETE_GRACE_SECONDS;
  const [updated] = await db.batch([
    db
      .prepare(
        `UPDATE sites SET deleted_at = ?3, delete_after = ?4, domain = domain || '#deleted-' || id,
                public_dashboard = 0, shared_link_id = NULL, updated_at = ?3
          WHERE id = ?1 AND billing_profile_id = ?2 AND deleted_at IS NULL`,
      )
      .bind(site.id, site.billing_profile_id, deletedAt, deleteAfter),
    db
      .prepare('UPDATE api_keys SET revoked_at = ?2 WHERE site_id = ?1 AND revoked_at IS NULL')
      .bind(site.id, nowSeconds),
  ]);
  if (!updated || updated.meta.changes === 0) throw new ApiError(404, 'not_found', 'no such site');
  return { deletedAt, deleteAfter };
}

/**
 * Whether `password` opens a site's shared link (for the shared dashboard). A link without a
 * password needs none. Runs PBKDF2: callers limit attempts first (functions/stats/shared-link.ts).
 */
export function sharedLinkPasswordMatches(site: SiteRow, password: string): Promise<boolean> {
  if (site.shared_link_password_hash === null || site.shared_link_password_salt === null) {
    return Promise.resolve(true);
  }
  // No password that long can be set, so it cannot match: no need to hash it.
  if (password.length > MAX_SHARED_LINK_PASSWORD) return Promise.resolve(false);
  return verifyPassword(password, {
    hash: site.shared_link_password_hash,
    salt: site.shared_link_password_salt,
    iterations: PBKDF2_ITERATIONS,
  });
}
