import type { Context } from 'hono';
import type { Env } from '../../workers/env';
import { findSession, sessionCookie } from '../auth/session';
import { timingSafeEqual } from '../auth/tokens';
import { ApiError } from '../errors';
import type { GoalDefinition } from '../goals/goal';
import { GOALS_JSON_SQL, goalsFromJson } from '../goals/store';
import { verifyApiKey } from '../keys/verify';
import type { SiteRow } from '../sites/store';
import { checkSharedLinkPassword } from './shared-link';

/** The site a stats request may read. */
export interface ReadableSite {
  id: number;
  domain: string;
  timezone: string;
  /** Its configured goals (what `event:goal` means when there are any); absent: none. */
  goals?: readonly GoalDefinition[];
}

/**
 * Who reads, for the per-principal rate limit (functions/stats/reads.ts): an API key, a signed-in
 * user, a shared link (one per site, so by site id), or an anonymous reader of a public dashboard.
 */
export type Principal =
  | { kind: 'key'; id: number }
  | { kind: 'user'; id: number }
  | { kind: 'link'; siteId: number }
  | { kind: 'anonymous' };

/** A read the caller may make: which site, and who asks. */
export interface SiteRead {
  site: ReadableSite;
  principal: Principal;
}

export const SHARED_LINK_HEADER = 'X-Shared-Link';
export const SHARED_LINK_PASSWORD_HEADER = 'X-Shared-Link-Password';

const MAX_SITE_REF_LENGTH = 253;

/** A site row with its goals, read in the same statement. */
type SiteWithGoals = SiteRow & { goals_json?: string | null };

/** A live site by numeric id or by domain, or null. Bound parameters only. */
async function findSite(db: D1Database, siteRef: string | number): Promise<SiteWithGoals | null> {
  const ref = typeof siteRef === 'number' ? String(siteRef) : siteRef.trim();
  if (ref.length === 0 || ref.length > MAX_SITE_REF_LENGTH) return null;
  if (/^[1-9]\d{0,9}$/.test(ref)) {
    const id = Number(ref);
    if (id > 2 ** 31) return null;
    return db
      .prepare(`SELECT *, ${GOALS_JSON_SQL} AS goals_json FROM sites WHERE id = ?1 AND deleted_at IS NULL`)
      .bind(id)
      .first<SiteWithGoals>();
  }
  return db
    .prepare(`SELECT *, ${GOALS_JSON_SQL} AS goals_json FROM sites WHERE domain = ?1 AND deleted_at IS NULL`)
    .bind(ref.toLowerCase())
    .first<SiteWithGoals>();
}

function readable(site: SiteWithGoals): ReadableSite {
  return {
    id: site.id,
    domain: site.domain,
    timezone: site.timezone || 'UTC',
    goals: goalsFromJson(site.goals_json),
  };
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
 * A shared link's password is checked under limits of its own (functions/stats/shared-link.ts).
 */
export async function authorizeSiteRead(
  c: Context<{ Bindings: Env }>,
  siteRef: string | number,
): Promise<SiteRead> {
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
    return { site: readable(site), principal: { kind: 'key', id: key.keyId } };
  }

  const link = c.req.header(SHARED_LINK_HEADER);
  if (link !== undefined && link !== '') {
    if (!site || site.shared_link_id === null || !timingSafeEqual(link, site.shared_link_id))
      throw notFound();
    await checkSharedLinkPassword(c, site, c.req.header(SHARED_LINK_PASSWORD_HEADER) ?? '');
    return { site: readable(site), principal: { kind: 'link', siteId: site.id } };
  }

  const session = await findSession(db, sessionCookie(c));
  if (session && !session.mfaPending) {
    if (site && (site.billing_profile_id === session.billingProfileId || site.public_dashboard === 1)) {
      return { site: readable(site), principal: { kind: 'user', id: session.userId } };
    }
    throw notFound();
  }

  if (site && site.public_dashboard === 1) return { site: readable(site), principal: { kind: 'anonymous' } };
  throw new ApiError(401, 'unauthorized', 'sign in, or send an API key, to read this site');
}
