import { Hono } from 'hono';
import {
  parseReplayCursor,
  REPLAY_PAGE_DEFAULT,
  REPLAY_PAGE_MAX,
  type ReplayCursor,
  replayDeadLetters,
} from '../../workers/consumer/dead-letters';
import type { Env } from '../../workers/env';
import { flushCounters } from '../../workers/observability/counters';
import { ApiError } from '../errors';
import { bearer } from './bearer';
import { billingProfileRoutes } from './billing';
import { jobRoutes } from './jobs';

/** Query parameters of the replay route: a bad one is a 400, never a silent default. */
function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_parameter', message);
}

function pageLimit(text: string | undefined): number {
  if (text === undefined) return REPLAY_PAGE_DEFAULT;
  const limit = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= REPLAY_PAGE_MAX))
    throw invalid(`limit: an integer from 1 to ${REPLAY_PAGE_MAX}`);
  return limit;
}

function flag(name: string, text: string | undefined): boolean {
  if (text === undefined || text === '0' || text === 'false') return false;
  if (text === '1' || text === 'true') return true;
  throw invalid(`${name}: 1 or 0`);
}

function cursor(text: string | undefined): ReplayCursor | null {
  if (text === undefined) return null;
  const parsed = parseReplayCursor(text);
  if (!parsed) throw invalid('cursor: pass the "next" of the previous answer unchanged');
  return parsed;
}

/** Operator endpoints: Prometheus metrics, the dead-letter replay, billing profile overrides. */
export const adminRoutes = new Hono<{ Bindings: Env }>();

adminRoutes.route('/admin/api/billing-profiles', billingProfileRoutes);
adminRoutes.route('/', jobRoutes);

adminRoutes.get(
  '/metrics',
  bearer((env) => env.METRICS_TOKEN),
  async (c) => {
    await flushCounters(c.env, true);
    const text = await c.env.METRICS.get(c.env.METRICS.idFromName('global')).render();
    return c.text(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  },
);

/**
 * Replays one page of parked dead letters (`npm run replay` loops over the pages): `limit` rows
 * (default 100, at most 1000), `cursor` = the previous answer's `next`, `dry_run=1` to count what
 * would be replayed without changing anything. Answers a `ReplayOutcome`.
 */
adminRoutes.post(
  '/admin/dead-letters/replay',
  bearer((env) => env.ADMIN_TOKEN),
  async (c) => {
    const options = {
      limit: pageLimit(c.req.query('limit')),
      dryRun: flag('dry_run', c.req.query('dry_run')),
      cursor: cursor(c.req.query('cursor')),
    };
    return c.json(await replayDeadLetters(c.env, options));
  },
);

adminRoutes.get(
  '/admin/dead-letters',
  bearer((env) => env.ADMIN_TOKEN),
  async (c) => {
    const row = await c.env.DB.prepare(
      'SELECT count(*) AS messages, coalesce(sum(events), 0) AS events FROM dead_letters',
    ).first<{
      messages: number;
      events: number;
    }>();
    return c.json(row ?? { messages: 0, events: 0 });
  },
);
