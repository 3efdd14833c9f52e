import { Hono } from 'hono';
import { configProblems } from '../workers/config';
import type { Env } from '../workers/env';
import { adminRoutes } from './admin';
import { alertRoutes, alertUnsubscribeRoutes } from './alerts';
import { authRoutes } from './auth';
import { billingRoutes } from './billing';
import { funnelListRoutes, funnelQueryRoutes, funnelRoutes } from './funnels';
import { goalRoutes } from './goals';
import { keyRoutes } from './keys';
import { performanceRoutes } from './performance';
import { reportRoutes, reportUnsubscribeRoutes } from './reports';
import { segmentRoutes } from './segments';
import { siteRoutes } from './sites';
import { statsRoutes } from './stats';

/**
 * The HTTP API the dashboard and integrators call, one module per resource. Development-only
 * routes are not here: workers/app.ts adds functions/dev when the config says development.
 */
export const api = new Hono<{ Bindings: Env }>();

// Up, and whether production lacks a required secret or var (names only; docs/deploy.md).
api.get('/api/health', (c) => {
  const problems = configProblems(c.env).map((problem) => problem.name);
  return problems.length === 0 ? c.json({ ok: true }) : c.json({ ok: false, problems }, 503);
});

api.route('/', adminRoutes);
api.route('/', authRoutes);
// Alerts, goals and reports before siteRoutes, whose session check would otherwise run twice for them.
api.route('/api/sites/:id/alerts', alertRoutes);
api.route('/api/sites/:id/segments', segmentRoutes);
api.route('/api/sites/:id/goals', goalRoutes);
api.route('/api/sites/:id/funnels', funnelRoutes);
api.route('/', alertUnsubscribeRoutes);
api.route('/', reportRoutes);
api.route('/', reportUnsubscribeRoutes);
api.route('/api/sites', siteRoutes);
api.route('/api/keys', keyRoutes);
api.route('/api/billing', billingRoutes);
api.route('/', statsRoutes);
api.route('/', funnelQueryRoutes);
api.route('/', funnelListRoutes);
api.route('/api/stats/performance', performanceRoutes);
