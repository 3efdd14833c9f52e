/** Saved segments in D1 (schema/d1/0013_segments.sql). Bound parameters only. */
import { MAX_SEGMENTS_PER_SITE, type SegmentInput, type SegmentScope } from './validate';

/** A row of `site_segments` as D1 returns it. */
export interface SegmentRow {
  id: number;
  site_id: number;
  name: string;
  scope: SegmentScope;
  filters: string;
  created_by: number;
  created_at: number;
  updated_at: number;
}

/** A segment as the API shows it to `viewerId`. */
export interface SegmentJson {
  id: number;
  name: string;
  scope: SegmentScope;
  filters: unknown[];
  /** Whether the viewer saved it (the dashboard offers delete on personal segments only then). */
  mine: boolean;
  created_at: string;
  updated_at: string;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** The stored filters; a row is written only after validation, so the JSON is a list. */
export function storedFilters(row: SegmentRow): unknown[] {
  const parsed: unknown = JSON.parse(row.filters);
  return Array.isArray(parsed) ? parsed : [];
}

export function segmentJson(row: SegmentRow, viewerId: number): SegmentJson {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    filters: storedFilters(row),
    mine: row.created_by === viewerId,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

// What `userId` may see of a site: its site segments and the user's own personal ones.
const VISIBLE = "site_id = ?1 AND (scope = 'site' OR created_by = ?2)";

/** The site's segments and `userId`'s personal ones, by name. */
export async function listSegments(db: D1Database, siteId: number, userId: number): Promise<SegmentRow[]> {
  const found = await db
    .prepare(`SELECT * FROM site_segments WHERE ${VISIBLE} ORDER BY name COLLATE NOCASE, id`)
    .bind(siteId, userId)
    .all<SegmentRow>();
  return found.results;
}

/** One segment `userId` may see, or null (missing, another site's, or someone else's personal one). */
export function visibleSegment(
  db: D1Database,
  siteId: number,
  userId: number,
  id: number,
): Promise<SegmentRow | null> {
  return db
    .prepare(`SELECT * FROM site_segments WHERE ${VISIBLE} AND id = ?3`)
    .bind(siteId, userId, id)
    .first<SegmentRow>();
}

/**
 * The segments among `ids` that a Stats API reader may apply to the site: site segments, plus the
 * personal ones of `userId` when a signed-in user reads (null for API keys, shared links and
 * anonymous readers).
 */
export async function segmentsForRead(
  db: D1Database,
  siteId: number,
  userId: number | null,
  ids: number[],
): Promise<SegmentRow[]> {
  if (ids.length === 0) return [];
  const found = await db
    .prepare(
      `SELECT * FROM site_segments
        WHERE ${VISIBLE} AND id IN (SELECT value FROM json_each(?3))`,
    )
    .bind(siteId, userId ?? -1, JSON.stringify(ids))
    .all<SegmentRow>();
  return found.results;
}

/**
 * Saves a new segment, or returns null when the site has MAX_SEGMENTS_PER_SITE already. The count
 * and the insert are one statement, so two saves at once cannot both pass the cap.
 */
export function createSegment(
  db: D1Database,
  siteId: number,
  userId: number,
  input: Required<SegmentInput>,
  nowMs: number,
): Promise<SegmentRow | null> {
  const now = Math.floor(nowMs / 1000);
  return db
    .prepare(
      `INSERT INTO site_segments (site_id, name, scope, filters, created_by, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6
        WHERE (SELECT count(*) FROM site_segments WHERE site_id = ?1) < ?7
       RETURNING *`,
    )
    .bind(siteId, input.name, input.scope, input.filters, userId, now, MAX_SEGMENTS_PER_SITE)
    .first<SegmentRow>();
}

/** Applies `changes` to a segment the caller may change; the updated row. */
export async function updateSegment(
  db: D1Database,
  row: SegmentRow,
  changes: SegmentInput,
  nowMs: number,
): Promise<SegmentRow | null> {
  return db
    .prepare(
      `UPDATE site_segments SET name = ?3, scope = ?4, filters = ?5, updated_at = ?6
        WHERE id = ?1 AND site_id = ?2 RETURNING *`,
    )
    .bind(
      row.id,
      row.site_id,
      changes.name ?? row.name,
      changes.scope ?? row.scope,
      changes.filters ?? row.filters,
      Math.floor(nowMs / 1000),
    )
    .first<SegmentRow>();
}

export async function deleteSegment(db: D1Database, row: SegmentRow): Promise<void> {
  await db
    .prepare('DELETE FROM site_segments WHERE id = ?1 AND site_id = ?2')
    .bind(row.id, row.site_id)
    .run();
}
