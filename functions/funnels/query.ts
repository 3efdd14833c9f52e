/**
 * `POST /api/v2/funnel`: a funnel's visitors per step (docs/funnels.md). Plausible's Stats API v2
 * has no funnel endpoint (its dashboard has one of its own), so this one takes the v2 query's
 * `site_id`, `date_range` and `filters` as they are, and answers per step with the names
 * Plausible's dashboard funnel uses (`visitors`, `conversion_rate`, `conversion_rate_step`,
 * `dropoff`, `dropoff_percentage`). Same doors and rate limit as `POST /api/v2/query`: API keys,
 * sessions, shared links and public dashboards, one query of the reader's budget.
 */
import { Hono } from 'hono';
import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';
import { readJsonValue } from '../../workers/http/body';
import { ApiError } from '../errors';
import type { GoalDefinition } from '../goals/goal';
import { expandSegments } from '../segments/expand';
import { authorizeSiteRead } from '../stats/access';
import { limitReads, readQuery, retryAfter } from '../stats/reads';
import { PLANNER_SETTINGS } from '../stats/run';
import { cachedSealedDays } from '../stats/seal';
import { filterDimensions, parseFilterList, parseQuery, type ValidQuery } from '../stats/validate';
import { answerFunnel } from './answer';
import { MAX_FUNNEL_STEPS, MIN_FUNNEL_STEPS } from './funnel';
import { findFunnel, funnelSteps, type SiteGoals, siteGoals } from './store';

const MAX_BODY_BYTES = 64 * 1024;
const KEYS = ['site_id', 'funnel_id', 'steps', 'date_range', 'filters'];

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_query', message);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

interface FunnelRequest {
  /** The site, date range and filters as a v2 visitors query (checked by the Stats API's parser). */
  visitors: ValidQuery;
  funnelId: number | null;
  /** Steps as given: goal ids or display names. */
  steps: (number | string)[] | null;
}

function parseFunnelRequest(body: unknown): FunnelRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('body: expected a JSON object');
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!KEYS.includes(key)) throw invalid(`${key}: unknown field; known: ${KEYS.join(', ')}`);
  }
  const hasId = fields.funnel_id !== undefined;
  const hasSteps = fields.steps !== undefined;
  if (hasId === hasSteps)
    throw invalid('funnel_id or steps: give one of them (a saved funnel, or 2 to 8 goals)');
  let funnelId: number | null = null;
  let steps: (number | string)[] | null = null;
  if (hasId) {
    const id = fields.funnel_id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 2 ** 53) {
      throw invalid(`funnel_id: expected a funnel id, got ${show(id)}`);
    }
    funnelId = id;
  } else {
    const list = fields.steps;
    if (!Array.isArray(list) || list.length < MIN_FUNNEL_STEPS || list.length > MAX_FUNNEL_STEPS) {
      throw invalid(
        `steps: expected ${MIN_FUNNEL_STEPS} to ${MAX_FUNNEL_STEPS} goals (display names or ids)`,
      );
    }
    list.forEach((step, i) => {
      const ok =
        (typeof step === 'string' && step.length > 0 && step.length <= 200) ||
        (typeof step === 'number' && Number.isInteger(step) && step > 0);
      if (!ok) throw invalid(`steps[${i}]: expected a goal's display name or id, got ${show(step)}`);
    });
    steps = list as (number | string)[];
  }
  const filters = fields.filters === undefined ? [] : parseFilterList(fields.filters);
  // Steps are goals already; a goal filter on top has no single meaning here.
  if (filterDimensions(filters).includes('event:goal')) {
    throw invalid('filters: event:goal cannot filter a funnel (its steps are goals)');
  }
  const visitors = parseQuery({
    site_id: fields.site_id,
    metrics: ['visitors'],
    date_range: fields.date_range,
    filters: fields.filters ?? [],
  });
  return { visitors, funnelId, steps };
}

/** The steps as goals of the site, or a 400 naming the one that is not. */
function goalsOf(steps: (number | string)[], goals: SiteGoals): GoalDefinition[] {
  const byName = new Map([...goals.values()].map((g) => [g.displayName, g]));
  const chosen = steps.map((step, i) => {
    const goal = typeof step === 'number' ? goals.get(step) : byName.get(step);
    if (!goal) throw invalid(`steps[${i}]: ${show(step)} is not a goal of this site`);
    return goal;
  });
  if (new Set(chosen).size !== chosen.length) throw invalid('steps: each goal at most once');
  return chosen;
}

/** Mounted at the root: `POST /api/v2/funnel`. */
export const funnelQueryRoutes = new Hono<{ Bindings: Env }>();

funnelQueryRoutes.use('/api/v2/funnel', retryAfter);

funnelQueryRoutes.post('/api/v2/funnel', async function funnelQuery(c) {
  const request = parseFunnelRequest(await readJsonValue(c.req.raw, MAX_BODY_BYTES));
  const read = await authorizeSiteRead(c, request.visitors.siteRef);
  const { site } = read;
  await limitReads(c, read.principal, 1);
  const [expanded] = await expandSegments(c.env.DB, read, [request.visitors]);
  if (!expanded || expanded instanceof ApiError) throw expanded ?? new Error('no expanded query');
  if (filterDimensions(expanded.filters).includes('event:goal')) {
    throw invalid('filters: event:goal cannot filter a funnel (its steps are goals)');
  }
  const goals = await siteGoals(c.env.DB, site.id);
  let funnel: { id: number; name: string } | null = null;
  let steps: GoalDefinition[];
  if (request.funnelId !== null) {
    const found = await findFunnel(c.env.DB, site.id, request.funnelId, goals);
    if (!found) throw new ApiError(404, 'not_found', 'no such funnel');
    funnel = { id: found.id, name: found.name };
    steps = funnelSteps(found, goals);
  } else {
    steps = goalsOf(request.steps ?? [], goals);
  }

  // The planner's settings, which the visitors query needs; the funnel's own SQL does not mind them.
  const execute = readQuery(c, PLANNER_SETTINGS);
  const lookup = () => cachedSealedDays(execute, site.id, configOf(c.env).sealedCacheSeconds);
  return c.json(await answerFunnel(execute, site, expanded, { funnel, steps }, Date.now(), lookup));
});
