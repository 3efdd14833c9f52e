/**
 * Operator routes for billing profiles (bearer ADMIN_TOKEN): read one, and set a custom limit
 * (an enterprise deal) or a plan by hand.
 *
 *   GET   /admin/api/billing-profiles/:id
 *   PATCH /admin/api/billing-profiles/:id  { custom_monthly_events?: n|null, custom_sites?: n|null, plan?: id }
 *
 * Both answer the profile with its effective limits. A plan set here holds until Stripe says
 * otherwise: the next webhook about the profile's subscription writes Stripe's plan. A custom
 * limit holds until the plan changes after it (effectiveLimits in functions/billing/plans.ts):
 * each PATCH that names custom_* stamps custom_limits_set_at.
 */
import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { readJsonObject } from '../../workers/http/body';
import { planChanged } from '../billing/plan-changed';
import { isPlanId, PLAN_IDS } from '../billing/plans';
import { loadProfile, planChangedAt } from '../billing/profile';
import { profileJson } from '../billing/view';
import { ApiError } from '../errors';
import { bearer } from './bearer';

/** Bounds of the overrides: far above any plan, low enough that a typo of many zeros is refused. */
const MAX_CUSTOM_MONTHLY_EVENTS = 1e11;
const MAX_CUSTOM_SITES = 100_000;

const FIELDS = ['custom_monthly_events', 'custom_sites', 'plan'] as const;

interface Change {
  custom_monthly_events?: number | null;
  custom_sites?: number | null;
  plan?: string;
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_parameter', message);
}

function limitField(name: string, value: unknown, max: number): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw invalid(`${name}: an integer from 0 to ${max}, or null for the plan's own limit`);
  }
  return value;
}

/** The change a PATCH body asks for; 400 for an unknown field, a bad value, or nothing at all. */
export function parseChange(body: Record<string, unknown>): Change {
  const unknown = Object.keys(body).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) throw invalid(`unknown field ${unknown[0]}; allowed: ${FIELDS.join(', ')}`);
  const change: Change = {};
  if ('custom_monthly_events' in body) {
    change.custom_monthly_events = limitField(
      'custom_monthly_events',
      body.custom_monthly_events,
      MAX_CUSTOM_MONTHLY_EVENTS,
    );
  }
  if ('custom_sites' in body)
    change.custom_sites = limitField('custom_sites', body.custom_sites, MAX_CUSTOM_SITES);
  if ('plan' in body) {
    if (!isPlanId(body.plan)) throw invalid(`plan: one of ${PLAN_IDS.join(', ')}`);
    change.plan = body.plan;
  }
  if (Object.keys(change).length === 0) throw invalid(`nothing to change; send any of ${FIELDS.join(', ')}`);
  return change;
}

function profileId(param: string): number {
  // Anything that is not an id is a profile that does not exist.
  if (!/^[1-9]\d{0,14}$/.test(param)) throw notFound();
  return Number(param);
}

function notFound(): ApiError {
  return new ApiError(404, 'not_found', 'no such billing profile');
}

export const billingProfileRoutes = new Hono<{ Bindings: Env }>();

billingProfileRoutes.use(bearer((env) => env.ADMIN_TOKEN));

billingProfileRoutes.get('/:id', async (c) => {
  const row = await loadProfile(c.env.DB, profileId(c.req.param('id')));
  if (!row) throw notFound();
  return c.json({ billing_profile: profileJson(row) });
});

billingProfileRoutes.patch('/:id', async (c) => {
  const id = profileId(c.req.param('id'));
  const change = parseChange(await readJsonObject(c.req.raw, { maxBytes: 4 * 1024 }));
  const values: (string | number | null)[] = [id];
  /** Binds a value and answers its placeholder. */
  const bind = (value: string | number | null): string => `?${values.push(value)}`;
  const sets: string[] = [];
  const now = bind(Math.floor(Date.now() / 1000));
  if (change.custom_monthly_events !== undefined) {
    sets.push(`custom_monthly_events = ${bind(change.custom_monthly_events)}`);
  }
  if (change.custom_sites !== undefined) sets.push(`custom_sites = ${bind(change.custom_sites)}`);
  if (change.custom_monthly_events !== undefined || change.custom_sites !== undefined) {
    // SET expressions see the row as it was. The override is the operator's latest word, so it is
    // stamped no earlier than the last plan change (same second included) and, when this PATCH
    // also changes the plan, no earlier than that change either: it holds over both.
    const alsoPlan = change.plan !== undefined ? ', coalesce(custom_limits_set_at + 1, 0)' : '';
    sets.push(`custom_limits_set_at = max(${now}, coalesce(plan_changed_at, 0)${alsoPlan})`);
  }
  if (change.plan !== undefined) {
    const plan = bind(change.plan);
    sets.push(`plan_changed_at = ${planChangedAt(plan, now)}`, `plan_code = ${plan}`);
  }
  const updated = await c.env.DB.prepare(`UPDATE billing_profiles SET ${sets.join(', ')} WHERE id = ?1`)
    .bind(...values)
    .run();
  if (updated.meta.changes === 0) throw notFound();
  await planChanged(c.env, id);
  const row = await loadProfile(c.env.DB, id);
  if (!row) throw notFound();
  return c.json({ billing_profile: profileJson(row) });
});
