/** A site's goals in D1 (schema/d1/0012_goals.sql). Bound parameters only. */
import { ApiError } from '../errors';
import { type GoalDefinition, type GoalJson, type GoalKind, MAX_GOALS_PER_SITE } from './goal';

export interface GoalRow {
  id: number;
  kind: GoalKind;
  display_name: string;
  event_name: string | null;
  page_path: string | null;
  scroll_threshold: number | null;
  currency: string | null;
  created_at: number;
}

export function goalJson(row: GoalRow): GoalJson {
  return {
    id: row.id,
    kind: row.kind,
    display_name: row.display_name,
    event_name: row.event_name,
    page_path: row.page_path,
    scroll_threshold: row.scroll_threshold,
    currency: row.currency,
    created_at: new Date(row.created_at * 1000).toISOString(),
  };
}

/** A row as the planner's definition; null for a row no kind describes (never written by the API). */
export function definition(row: GoalRow): GoalDefinition | null {
  const displayName = row.display_name;
  if ((row.kind === 'event' || row.kind === 'revenue') && row.event_name !== null) {
    return row.kind === 'revenue' && row.currency !== null
      ? { kind: 'revenue', displayName, eventName: row.event_name, currency: row.currency }
      : { kind: 'event', displayName, eventName: row.event_name };
  }
  if (row.kind === 'page' && row.page_path !== null)
    return { kind: 'page', displayName, pagePath: row.page_path };
  if (row.kind === 'scroll' && row.page_path !== null && row.scroll_threshold !== null) {
    return { kind: 'scroll', displayName, pagePath: row.page_path, scrollThreshold: row.scroll_threshold };
  }
  return null;
}

/** Goals as JSON in one value, for reading them in the same D1 statement as their site. */
export const GOALS_JSON_SQL = `(SELECT json_group_array(json_object('id', g.id, 'kind', g.kind,
  'display_name', g.display_name, 'event_name', g.event_name, 'page_path', g.page_path,
  'scroll_threshold', g.scroll_threshold, 'currency', g.currency, 'created_at', g.created_at))
  FROM (SELECT * FROM site_goals WHERE site_id = sites.id ORDER BY id) AS g)`;

/** The definitions in a {@link GOALS_JSON_SQL} value; malformed entries are left out. */
export function goalsFromJson(json: string | null | undefined): GoalDefinition[] {
  if (!json) return [];
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .map((row) => definition(row as GoalRow))
      .filter((goal): goal is GoalDefinition => goal !== null);
  } catch {
    return [];
  }
}

export async function listGoals(db: D1Database, siteId: number): Promise<GoalJson[]> {
  const rows = await db
    .prepare('SELECT * FROM site_goals WHERE site_id = ?1 ORDER BY id')
    .bind(siteId)
    .all<GoalRow>();
  return rows.results.map(goalJson);
}

/** The definitions of a site's goals, oldest first (what `event:goal` means for that site). */
export async function goalDefinitions(db: D1Database, siteId: number): Promise<GoalDefinition[]> {
  const rows = await db
    .prepare('SELECT * FROM site_goals WHERE site_id = ?1 ORDER BY id')
    .bind(siteId)
    .all<GoalRow>();
  return rows.results.map(definition).filter((goal): goal is GoalDefinition => goal !== null);
}

function conflict(error: unknown): ApiError | null {
  if (!(error instanceof Error)) return null;
  if (/UNIQUE constraint failed: site_goals\.site_id, site_goals\.display_name/.test(error.message)) {
    return new ApiError(409, 'goal_exists', 'This site already has a goal with that name.');
  }
  if (/UNIQUE constraint failed/.test(error.message)) {
    return new ApiError(409, 'goal_exists', 'This site already has a goal for that event or page.');
  }
  return null;
}

/**
 * Adds a goal, unless the site has {@link MAX_GOALS_PER_SITE} already (checked in the same
 * statement, so two requests at once cannot pass the cap together).
 */
export async function createGoal(
  db: D1Database,
  siteId: number,
  goal: GoalDefinition,
  nowMs: number,
): Promise<GoalJson> {
  const columns = {
    event_name: goal.kind === 'event' || goal.kind === 'revenue' ? goal.eventName : null,
    page_path: goal.kind === 'page' || goal.kind === 'scroll' ? goal.pagePath : null,
    scroll_threshold: goal.kind === 'scroll' ? goal.scrollThreshold : null,
    currency: goal.kind === 'revenue' ? goal.currency : null,
  };
  let row: GoalRow | null;
  try {
    row = await db
      .prepare(
        `INSERT INTO site_goals (site_id, kind, display_name, event_name, page_path, scroll_threshold, currency, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
          WHERE (SELECT count(*) FROM site_goals WHERE site_id = ?1) < ?9
         RETURNING *`,
      )
      .bind(
        siteId,
        goal.kind,
        goal.displayName,
        columns.event_name,
        columns.page_path,
        columns.scroll_threshold,
        columns.currency,
        Math.floor(nowMs / 1000),
        MAX_GOALS_PER_SITE,
      )
      .first<GoalRow>();
  } catch (error) {
    throw conflict(error) ?? error;
  }
  if (!row) {
    throw new ApiError(
      409,
      'too_many_goals',
      `A site can have at most ${MAX_GOALS_PER_SITE} goals; delete one to add another.`,
    );
  }
  return goalJson(row);
}

/** A goal id from the path, or 0 (no goal has it). */
function goalId(param: string): number {
  return /^[1-9]\d{0,9}$/.test(param) && Number(param) <= 2 ** 53 ? Number(param) : 0;
}

const noSuchGoal = () => new ApiError(404, 'not_found', 'no such goal');

export async function renameGoal(
  db: D1Database,
  siteId: number,
  idParam: string,
  displayName: string,
): Promise<GoalJson> {
  let row: GoalRow | null;
  try {
    row = await db
      .prepare('UPDATE site_goals SET display_name = ?3 WHERE id = ?1 AND site_id = ?2 RETURNING *')
      .bind(goalId(idParam), siteId, displayName)
      .first<GoalRow>();
  } catch (error) {
    throw conflict(error) ?? error;
  }
  if (!row) throw noSuchGoal();
  return goalJson(row);
}

/** The SQL test that goal ?1 of site ?2 is a step of one of the site's funnels (functions/funnels). */
const IN_FUNNEL_SQL = `EXISTS (SELECT 1 FROM site_funnels AS f, json_each(f.steps) AS j
  WHERE f.site_id = ?2 AND j.value = ?1)`;

/** Deletes a goal, unless a funnel uses it: 409 goal_in_funnel (checked in the same statement). */
export async function deleteGoal(db: D1Database, siteId: number, idParam: string): Promise<number> {
  const id = goalId(idParam);
  const result = await db
    .prepare(`DELETE FROM site_goals WHERE id = ?1 AND site_id = ?2 AND NOT ${IN_FUNNEL_SQL}`)
    .bind(id, siteId)
    .run();
  if ((result.meta.changes ?? 0) === 0) {
    const used = await db
      .prepare(`SELECT 1 AS used FROM site_goals WHERE id = ?1 AND site_id = ?2 AND ${IN_FUNNEL_SQL}`)
      .bind(id, siteId)
      .first<{ used: number }>();
    if (used) {
      throw new ApiError(
        409,
        'goal_in_funnel',
        'A funnel uses this goal as a step: remove it from the funnel, or delete the funnel, first.',
      );
    }
    throw noSuchGoal();
  }
  return id;
}
