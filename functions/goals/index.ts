/**
 * /api/sites/:id/goals: the goals a site counts (docs/goals.md). Same doors as the other site
 * settings (functions/sites, functions/alerts): a signed-in session of the site's billing profile,
 * the CSRF header on changes, another tenant's site a 404. What a goal counts is decided in
 * match.ts, which the Stats API's planner calls.
 */
import { Hono } from 'hono';
import { type AuthEnv, requireCsrf, requireSession } from '../auth/middleware';
import { siteInPath } from '../sites/in-path';
import { jsonObject } from '../sites/validate';
import { parseGoalChange, parseNewGoal } from './goal';
import { createGoal, deleteGoal, listGoals, renameGoal } from './store';

export type { GoalDefinition } from './goal';
export { goalDefinitions } from './store';

/** Mounted at `/api/sites/:id/goals`. */
export const goalRoutes = new Hono<AuthEnv>();

goalRoutes.use('*', requireSession);

goalRoutes.get('/', async function listSiteGoals(c) {
  const site = await siteInPath(c);
  return c.json({ goals: await listGoals(c.env.DB, site.id) });
});

goalRoutes.post('/', requireCsrf, async function addGoal(c) {
  const site = await siteInPath(c);
  const goal = parseNewGoal(await jsonObject(c.req.raw));
  return c.json({ goal: await createGoal(c.env.DB, site.id, goal, Date.now()) }, 201);
});

// Only the display name changes: what a goal counts is its identity (delete and add to change it).
goalRoutes.patch('/:goal', requireCsrf, async function renameSiteGoal(c) {
  const site = await siteInPath(c);
  const displayName = parseGoalChange(await jsonObject(c.req.raw));
  return c.json({ goal: await renameGoal(c.env.DB, site.id, c.req.param('goal'), displayName) });
});

goalRoutes.delete('/:goal', requireCsrf, async function removeGoal(c) {
  const site = await siteInPath(c);
  return c.json({ deleted: { id: await deleteGoal(c.env.DB, site.id, c.req.param('goal')) } });
});
