import { Hono } from 'hono';
import type { Env } from '../workers/env';
import { adminRoutes } from './admin';

/** The HTTP API the dashboard and integrators call, one module per resource. */
export const api = new Hono<{ Bindings: Env }>();

api.get('/api/health', (c) => c.json({ ok: true }));
api.route('/', adminRoutes);
