import type { Context } from 'hono';
import type { Env } from '../../workers/env';
import { findSession, sessionCookie } from '../auth/session';
import { timingSafeEqual } from '../auth/tokens';
import { ApiError } from '../errors';
import { verifyApiKey } from '../keys/verify';
import { type SiteRow, sharedLinkPasswordMatches } from '../sites/store';

/** The site a stats request may read. */
export interface ReadableSite {
  id: number;
  domain: string;
  timezone: string;
}

export const SHARED_LINK_HEADER = 'X-Shared-Link';
export const SHARED_LINK_PASSWORD_HEADER = 'X-Shared-Link-Password';

const MAX_SITE_REF_LENGTH = 253;

/** A live site by numeric id or by domain, or null. Bound parameters only. */
async function findSite(db: D1Database, siteRef: string | number): Promise<SiteRow | null> {
  const ref = typeof siteRef === 'number' ? String(siteRef) : siteRef.trim();
  if (ref.length === 0 || ref.length > MAX_SITE_REF_LENGTH) return null;
  if (/^[1-9]\d{0,9}$/.test(ref)) {
    const id = Number(ref);
    if (id > 2 ** 31) return null;
    return db.prepare('SELECT * FROM sites WHERE id = ?1 AND deleted_at IS NULL').bind(id).first<SiteRow>();
  }
  return db
    .prepare('SELECT * FROM sites WHERE domain = ?1 AND deleted_at IS NULL')
    .bind(ref.toLowerCase())
    .first<SiteRow>();
}

function readable(site: SiteRow): ReadableSite {
  return { id: site.id, domain: site.domain, timezone: site.timezone || 'UTC' };
}

const notFound = () => new ApiError(404, 'not_found', 'no such site');

/**
 * Decides whether the caller may read `siteRef`'s stats (a numeric site id or the site's domain)
 * and returns the site. Tried in this order, the first credential present decides:
 *
 * 1. `Authorization: Bearer <key>`: the key needs scope `stats:read`, must belong to the site's
 *    billing profile, and a site-scoped key reads only its own site;
 * 2. `X-Shared-Link: <id>` (+ `X-Shared-Link-Password` when the link has one): read-only access
 *    to the one site whose link it is;
 * 3. the session cookie: the site must belong to the caller's billing profile;
 * 4. none of those: only a public dashboard (`public_dashboard = 1`) is readable.
 *
 * An unknown site and another tenant's site both give 404 to a caller who proved who they are,
 * so ids and domains cannot be probed; an anonymous caller gets 401 for both, for the same reason.
 */
export async function authorizeSiteRead(
  c: Context<{ Bindings: Env }>,
  siteRef: string | number,
): Promise<ReadableSite> {
  const db = c.env.DB;
  const site = await findSite(db, siteRef);

  const authorization = c.req.header('Authorization');
  if (authorization !== undefined && authorization.trim() !== '') {
    const key = await verifyApiKey(db, authorization);
    if (!key) throw new ApiError(401, 'unauthorized', 'invalid or revoked API key');
    if (!key.scopes.includes('stats:read')) {
      throw new ApiError(403, 'forbidden', 'this API key lacks the stats:read scope');
    }
    if (!site || site.billing_profile_id !== key.billingProfileId) throw notFound();
    if (key.siteId !== null && key.siteId !== site.id) throw notFound();
    return readable(site);
  }

  const link = c.req.header(SHARED_LINK_HEADER);
  if (link !== undefined && link !== '') {
    if (!site || site.shared_link_id === null || !timingSafeEqual(link, site.shared_link_id))
      throw notFound();
    const password = c.req.header(SHARED_LINK_PASSWORD_HEADER) ?? '';
    if (!(await sharedLinkPasswordMatches(site, password))) {
      throw new ApiError(401, 'password_required', 'this shared link needs its password');
    }
    return readable(site);
  }

  const session = await findSession(db, sessionCookie(c));
  if (session && !session.mfaPending) {
    if (site && (site.billing_profile_id === session.billingProfileId || site.public_dashboard === 1)) {
      return readable(site);
    }
    throw notFound();
  }

  if (site && site.public_dashboard === 1) return readable(site);
  throw new ApiError(401, 'unauthorized', 'sign in, or send an API key, to read this site');
}
