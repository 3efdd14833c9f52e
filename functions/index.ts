import { Hono } from 'hono';
import type { Env } from '../workers/env';
import { adminRoutes } from './admin';
import { authRoutes } from './auth';
import { devMailRoutes } from './dev/mail';
import { keyRoutes } from './keys';
import { performanceRoutes } from './performance';
import { siteRoutes } from './sites';
import { statsRoutes } from './stats';

/** The HTTP API the dashboard and integrators call, one module per resource. */
export const api = new Hono<{ Bindings: Env }>();

api.get('/api/health', (c) => c.json({ ok: true }));

// The baseline for `npm run bench`: the cheapest 202 this Worker can give, same runtime, same run.
// Off in production, where it would only be an unmetered endpoint.
api.post('/api/_bench/bare', (c) => {
  if (c.env.ENVIRONMENT === 'production') return c.notFound();
  return c.body('ok', 202);
});
api.route('/', adminRoutes);
api.route('/', authRoutes);
api.route('/', devMailRoutes);
api.route('/api/sites', siteRoutes);
api.route('/api/keys', keyRoutes);
api.route('/', statsRoutes);
api.route('/api/stats/performance', performanceRoutes);
