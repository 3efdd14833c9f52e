import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { ingestPipeline } from '../../workers/ingest/routes';
import { type AuthEnv, requireCsrf, requireSession, requireVerifiedEmail } from '../auth/middleware';
import { ApiError } from '../errors';
import { reserveClaimFailure } from './claims';
import {
  appUrl,
  createSite,
  listSites,
  ownedSite,
  type SiteChanges,
  type SiteRow,
  siteJson,
  softDeleteSite,
  updateSite,
} from './store';
import {
  jsonObject,
  parseAllowedHostnames,
  parseBoolean,
  parseDomain,
  parseExcludedPaths,
  parseSharedLink,
  parseTimezone,
} from './validate';

/**
 * Tells this isolate's ingest path about a change at once. Other isolates see it when their
 * cache entry expires, within SITE_CACHE_SECONDS (60 s by default).
 */
function forgetCachedSite(env: Env, site: SiteRow): void {
  const sites = ingestPipeline(env).sites;
  sites.invalidate(site.domain);
  sites.invalidate(site.public_key);
}

const UPDATABLE = [
  'timezone',
  'allowed_hostnames',
  'respect_dnt',
  'public_dashboard',
  'excluded_paths',
  'shared_link',
] as const;

function parseChanges(body: Record<string, unknown>): SiteChanges {
  const unknown = Object.keys(body).filter((key) => !(UPDATABLE as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new ApiError(
      400,
      'unknown_field',
      `cannot change ${unknown.slice(0, 5).join(', ')}; changeable: ${UPDATABLE.join(', ')}`,
    );
  }
  const changes: SiteChanges = {};
  if ('timezone' in body) changes.timezone = parseTimezone(body.timezone);
  if ('allowed_hostnames' in body) changes.allowed_hostnames = parseAllowedHostnames(body.allowed_hostnames);
  if ('respect_dnt' in body) changes.respect_dnt = parseBoolean(body.respect_dnt, 'respect_dnt');
  if ('public_dashboard' in body)
    changes.public_dashboard = parseBoolean(body.public_dashboard, 'public_dashboard');
  if ('excluded_paths' in body) changes.excluded_paths = parseExcludedPaths(body.excluded_paths);
  if ('shared_link' in body) changes.shared_link = parseSharedLink(body.shared_link);
  return changes;
}

/** /api/sites: the signed-in account's sites. Every query is scoped to its billing profile. */
export const siteRoutes = new Hono<AuthEnv>();

siteRoutes.use('*', requireSession);

siteRoutes.post('/', requireCsrf, requireVerifiedEmail, async (c) => {
  const body = await jsonObject(c.req.raw);
  const domain = parseDomain(body.domain);
  const timezone = body.timezone === undefined ? 'UTC' : parseTimezone(body.timezone);
  const billingProfileId = c.get('account').billingProfileId;
  const probe = await reserveClaimFailure(c, billingProfileId);
  const created = await createSite(c.env.DB, billingProfileId, domain, timezone);
  if ('conflict' in created) {
    if (created.conflict === 'own_site') {
      await probe.release();
      throw new ApiError(409, 'site_exists', `You already have a site for ${domain}.`);
    }
    // One answer for every held domain (live or deleted, anyone's), kept counted: a stranger
    // learns only that this name cannot be added, and only a few times an hour.
    throw new ApiError(
      409,
      'domain_unavailable',
      'This domain cannot be added. If you own it, contact support.',
    );
  }
  await probe.release();
  // An earlier event may have cached "no such site" for this domain in this isolate.
  forgetCachedSite(c.env, created.site);
  return c.json({ site: siteJson(created.site, appUrl(c.env)) }, 201);
});

siteRoutes.get('/', async (c) => {
  const sites = await listSites(c.env.DB, c.get('account').billingProfileId);
  const origin = appUrl(c.env);
  return c.json({ sites: sites.map((site) => siteJson(site, origin)) });
});

siteRoutes.get('/:id', async (c) => {
  const site = await ownedSite(c.env.DB, c.get('account').billingProfileId, c.req.param('id'));
  return c.json({ site: siteJson(site, appUrl(c.env)) });
});

siteRoutes.patch('/:id', requireCsrf, async (c) => {
  const site = await ownedSite(c.env.DB, c.get('account').billingProfileId, c.req.param('id'));
  const changes = parseChanges(await jsonObject(c.req.raw));
  const updated = await updateSite(c.env.DB, site, changes);
  forgetCachedSite(c.env, updated);
  return c.json({ site: siteJson(updated, appUrl(c.env)) });
});

siteRoutes.delete('/:id', requireCsrf, async (c) => {
  const site = await ownedSite(c.env.DB, c.get('account').billingProfileId, c.req.param('id'));
  const { deletedAt, deleteAfter } = await softDeleteSite(c.env.DB, site, Date.now());
  forgetCachedSite(c.env, site);
  return c.json({
    deleted: {
      id: site.id,
      domain: site.domain,
      deleted_at: deletedAt,
      delete_after: new Date(deleteAfter * 1000).toISOString(),
    },
  });
});

siteRoutes.get('/:id/snippet', async (c) => {
  const site = await ownedSite(c.env.DB, c.get('account').billingProfileId, c.req.param('id'));
  const script = `${appUrl(c.env)}/script.js`;
  return c.json({
    domain: site.domain,
    script_url: script,
    snippet: `<script defer data-domain="${site.domain}" src="${script}"></script>`,
  });
});
