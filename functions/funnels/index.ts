/**
 * /api/sites/:id/funnels: the funnels a site keeps (docs/funnels.md). Same doors as the goals they
 * are made of (functions/goals): a signed-in session of the site's billing profile, the CSRF header
 * on changes, another tenant's site a 404. `POST /api/v2/funnel` (query.ts) answers them, and
 * `GET /api/v2/funnels` (list.ts) lists them to every reader of the site's stats.
 */
import { Hono } from 'hono';
import { type AuthEnv, requireCsrf, requireSession } from '../auth/middleware';
import { siteInPath } from '../sites/in-path';
import { jsonObject } from '../sites/validate';
import { parseFunnelChange, parseNewFunnel } from './funnel';
import { createFunnel, deleteFunnel, listFunnels, updateFunnel } from './store';

export { funnelListRoutes } from './list';
export { funnelQueryRoutes } from './query';

/** Mounted at `/api/sites/:id/funnels`. */
export const funnelRoutes = new Hono<AuthEnv>();

funnelRoutes.use('*', requireSession);

funnelRoutes.get('/', async function listSiteFunnels(c) {
  const site = await siteInPath(c);
  return c.json({ funnels: await listFunnels(c.env.DB, site.id) });
});

funnelRoutes.post('/', requireCsrf, async function addFunnel(c) {
  const site = await siteInPath(c);
  const funnel = parseNewFunnel(await jsonObject(c.req.raw));
  return c.json({ funnel: await createFunnel(c.env.DB, site.id, funnel, Date.now()) }, 201);
});

funnelRoutes.patch('/:funnel', requireCsrf, async function changeFunnel(c) {
  const site = await siteInPath(c);
  const change = parseFunnelChange(await jsonObject(c.req.raw));
  return c.json({ funnel: await updateFunnel(c.env.DB, site.id, c.req.param('funnel'), change, Date.now()) });
});

funnelRoutes.delete('/:funnel', requireCsrf, async function removeFunnel(c) {
  const site = await siteInPath(c);
  return c.json({ deleted: { id: await deleteFunnel(c.env.DB, site.id, c.req.param('funnel')) } });
});
