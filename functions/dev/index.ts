import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { devMailRoutes } from './mail';

/**
 * Routes that exist only in development and tests: the outbox mailbox and the benchmark
 * baseline. workers/app.ts mounts them only when the config says development, so a production
 * Worker has no such routes at all (they answer the ordinary 404).
 */
export const developmentRoutes = new Hono<{ Bindings: Env }>();

developmentRoutes.route('/', devMailRoutes);

// The baseline for `npm run bench`: the cheapest 202 this Worker can give, same runtime, same run.
developmentRoutes.post('/api/_bench/bare', (c) => c.body('ok', 202));
