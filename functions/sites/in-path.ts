import type { Context } from 'hono';
import type { AuthEnv } from '../auth/middleware';
import { ownedSite, type SiteRow } from './store';

/**
 * The site a settings route names by its `:id`, when the signed-in account owns it; a 404
 * otherwise (`ownedSite`), so another account's site looks like no site at all.
 */
export function siteInPath(c: Context<AuthEnv>): Promise<SiteRow> {
  return ownedSite(c.env.DB, c.get('account').billingProfileId, c.req.param('id') ?? '');
}
