/**
 * `GET /api/v2/funnels?site_id=<domain or id>`: a site's funnels for every reader of its stats
 * (docs/funnels.md), so a shared link's or public dashboard's funnel panel can offer them. The
 * owner's `/api/sites/:id/funnels` (index.ts) needs a session and tells more; this one tells only
 * what a reader needs to ask `POST /api/v2/funnel` (query.ts): each funnel's id, name and step
 * names. Same doors and rate limit as the Stats API: API keys, sessions, shared links (with their
 * password header) and public dashboards, one query of the reader's budget.
 */
import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { ApiError } from '../errors';
import { authorizeSiteRead } from '../stats/access';
import { limitReads, retryAfter } from '../stats/reads';
import { listFunnels } from './store';

/** A funnel as a reader sees it: step names are the goals' display names, step 1 first. */
export interface FunnelSummary {
  id: number;
  name: string;
  steps: string[];
}

const PARAMS = ['site_id'];

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_query', message);
}

/** `site_id` from the query string, or a 400; unknown parameters are refused, as the Stats API refuses unknown fields. */
function siteRefOf(url: URL): string {
  for (const name of url.searchParams.keys()) {
    if (!PARAMS.includes(name)) throw invalid(`${name}: unknown parameter; known: ${PARAMS.join(', ')}`);
  }
  const ref = url.searchParams.getAll('site_id');
  if (ref.length !== 1 || ref[0] === undefined || ref[0].trim() === '') {
    throw invalid('site_id: required once, the site’s domain or id');
  }
  return ref[0];
}

/** Mounted at the root: `GET /api/v2/funnels`. */
export const funnelListRoutes = new Hono<{ Bindings: Env }>();

funnelListRoutes.use('/api/v2/funnels', retryAfter);

funnelListRoutes.get('/api/v2/funnels', async function listReadableFunnels(c) {
  const read = await authorizeSiteRead(c, siteRefOf(new URL(c.req.url)));
  await limitReads(c, read.principal, 1);
  const funnels: FunnelSummary[] = (await listFunnels(c.env.DB, read.site.id)).map((funnel) => ({
    id: funnel.id,
    name: funnel.name,
    steps: funnel.steps.map((step) => step.display_name),
  }));
  return c.json({ funnels });
});
