/** A site's funnels in D1 (schema/d1/0014_funnels.sql). Bound parameters only. */
import { ApiError } from '../errors';
import type { GoalDefinition } from '../goals/goal';
import { definition, type GoalRow } from '../goals/store';
import { type FunnelInput, type FunnelJson, MAX_FUNNELS_PER_SITE } from './funnel';

interface FunnelRow {
  id: number;
  site_id: number;
  name: string;
  steps: string;
  created_at: number;
  updated_at: number;
}

/** A site's goals by id: what a funnel's step ids point at. */
export type SiteGoals = Map<number, GoalDefinition>;

export async function siteGoals(db: D1Database, siteId: number): Promise<SiteGoals> {
  const rows = await db
    .prepare('SELECT * FROM site_goals WHERE site_id = ?1 ORDER BY id')
    .bind(siteId)
    .all<GoalRow>();
  const goals: SiteGoals = new Map();
  for (const row of rows.results) {
    const goal = definition(row);
    if (goal) goals.set(row.id, goal);
  }
  return goals;
}

function stepIds(row: FunnelRow): number[] {
  const parsed: unknown = JSON.parse(row.steps);
  return Array.isArray(parsed) ? parsed.filter((id): id is number => typeof id === 'number') : [];
}

function funnelJson(row: FunnelRow, goals: SiteGoals): FunnelJson {
  return {
    id: row.id,
    name: row.name,
    steps: stepIds(row).map((id) => ({ goal_id: id, display_name: goals.get(id)?.displayName ?? '' })),
    created_at: new Date(row.created_at * 1000).toISOString(),
    updated_at: new Date(row.updated_at * 1000).toISOString(),
  };
}

/** A funnel's steps as goal definitions, step 1 first. */
export function funnelSteps(funnel: FunnelJson, goals: SiteGoals): GoalDefinition[] {
  return funnel.steps.map((step) => {
    const goal = goals.get(step.goal_id);
    if (!goal) throw new Error(`funnel ${funnel.id} names goal ${step.goal_id}, which is gone`);
    return goal;
  });
}

/** 400 unless every step is a goal of the site. */
function checkSteps(steps: number[], goals: SiteGoals): void {
  const missing = steps.filter((id) => !goals.has(id));
  if (missing.length > 0) {
    throw new ApiError(
      400,
      'invalid_steps',
      `steps: ${missing.join(', ')} ${missing.length === 1 ? 'is not a goal' : 'are not goals'} of this site`,
    );
  }
}

/** SQL: every id of the JSON list ?3 is a goal of site ?1 (so a goal deleted meanwhile fails the write). */
const STEPS_ARE_GOALS_SQL = `(SELECT count(*) FROM site_goals
  WHERE site_id = ?1 AND id IN (SELECT value FROM json_each(?3))) = json_array_length(?3)`;

function conflict(error: unknown): ApiError | null {
  if (error instanceof Error && /UNIQUE constraint failed: site_funnels/.test(error.message)) {
    return new ApiError(409, 'funnel_exists', 'This site already has a funnel with that name.');
  }
  return null;
}

const stepsChanged = () =>
  new ApiError(400, 'invalid_steps', 'steps: a goal of this funnel was deleted meanwhile; reload and retry');

export async function listFunnels(db: D1Database, siteId: number): Promise<FunnelJson[]> {
  const [rows, goals] = await Promise.all([
    db.prepare('SELECT * FROM site_funnels WHERE site_id = ?1 ORDER BY id').bind(siteId).all<FunnelRow>(),
    siteGoals(db, siteId),
  ]);
  return rows.results.map((row) => funnelJson(row, goals));
}

/** One funnel of the site, or null. */
export async function findFunnel(
  db: D1Database,
  siteId: number,
  id: number,
  goals: SiteGoals,
): Promise<FunnelJson | null> {
  const row = await db
    .prepare('SELECT * FROM site_funnels WHERE id = ?1 AND site_id = ?2')
    .bind(id, siteId)
    .first<FunnelRow>();
  return row ? funnelJson(row, goals) : null;
}

/**
 * Adds a funnel, unless the site has {@link MAX_FUNNELS_PER_SITE} already or a step is not one of
 * its goals (both checked in the same statement, so concurrent requests cannot pass together).
 */
export async function createFunnel(
  db: D1Database,
  siteId: number,
  funnel: FunnelInput,
  nowMs: number,
): Promise<FunnelJson> {
  const goals = await siteGoals(db, siteId);
  checkSteps(funnel.steps, goals);
  let row: FunnelRow | null;
  try {
    row = await db
      .prepare(
        `INSERT INTO site_funnels (site_id, name, steps, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?4
          WHERE (SELECT count(*) FROM site_funnels WHERE site_id = ?1) < ?5 AND ${STEPS_ARE_GOALS_SQL}
         RETURNING *`,
      )
      .bind(siteId, funnel.name, JSON.stringify(funnel.steps), Math.floor(nowMs / 1000), MAX_FUNNELS_PER_SITE)
      .first<FunnelRow>();
  } catch (error) {
    throw conflict(error) ?? error;
  }
  if (!row) {
    const count = await db
      .prepare('SELECT count(*) AS n FROM site_funnels WHERE site_id = ?1')
      .bind(siteId)
      .first<{ n: number }>();
    if ((count?.n ?? 0) >= MAX_FUNNELS_PER_SITE) {
      throw new ApiError(
        409,
        'too_many_funnels',
        `A site can have at most ${MAX_FUNNELS_PER_SITE} funnels; delete one to add another.`,
      );
    }
    throw stepsChanged();
  }
  return funnelJson(row, goals);
}

/** A funnel id from the path, or 0 (no funnel has it). */
export function funnelId(param: string | undefined): number {
  return param !== undefined && /^[1-9]\d{0,9}$/.test(param) && Number(param) <= 2 ** 53 ? Number(param) : 0;
}

const noSuchFunnel = () => new ApiError(404, 'not_found', 'no such funnel');

export async function updateFunnel(
  db: D1Database,
  siteId: number,
  idParam: string | undefined,
  change: Partial<FunnelInput>,
  nowMs: number,
): Promise<FunnelJson> {
  const id = funnelId(idParam);
  const goals = await siteGoals(db, siteId);
  const current = await findFunnel(db, siteId, id, goals);
  if (!current) throw noSuchFunnel();
  const steps = change.steps ?? current.steps.map((s) => s.goal_id);
  checkSteps(steps, goals);
  let row: FunnelRow | null;
  try {
    row = await db
      .prepare(
        `UPDATE site_funnels SET name = ?4, steps = ?3, updated_at = ?5
          WHERE id = ?2 AND site_id = ?1 AND ${STEPS_ARE_GOALS_SQL}
         RETURNING *`,
      )
      .bind(siteId, id, JSON.stringify(steps), change.name ?? current.name, Math.floor(nowMs / 1000))
      .first<FunnelRow>();
  } catch (error) {
    throw conflict(error) ?? error;
  }
  if (!row) throw stepsChanged();
  return funnelJson(row, goals);
}

export async function deleteFunnel(
  db: D1Database,
  siteId: number,
  idParam: string | undefined,
): Promise<number> {
  const id = funnelId(idParam);
  const result = await db
    .prepare('DELETE FROM site_funnels WHERE id = ?1 AND site_id = ?2')
    .bind(id, siteId)
    .run();
  if ((result.meta.changes ?? 0) === 0) throw noSuchFunnel();
  return id;
}
