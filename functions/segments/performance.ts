/**
 * Saved segments in the performance API (`POST /api/stats/performance`, docs/performance-api.md),
 * so a dashboard showing a segment can show its web vitals too. That API filters on a few
 * dimensions with plain conditions, all of which apply; so one segment at a time, whose filters are
 * such conditions, is written into the list. Anything else is a 400 that names the segment.
 */
import { ApiError } from '../errors';
import { type PerformanceFilter, parsePerformanceQuery } from '../performance/query';
import type { SiteRead } from '../stats/access';
import { SEGMENT_DIMENSION } from '../stats/validate';
import { segmentsForRead, storedFilters } from './store';

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_query', message);
}

function isSegmentFilter(value: unknown): value is [unknown, unknown, unknown[]] {
  return Array.isArray(value) && value[1] === SEGMENT_DIMENSION && Array.isArray(value[2]);
}

/**
 * A performance request body without its segment filters, and the segment ids they named; the
 * body then goes through the performance API's own parser as before.
 */
export function takeSegmentFilters(body: unknown): { body: unknown; ids: number[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { body, ids: [] };
  const filters = (body as { filters?: unknown }).filters;
  if (!Array.isArray(filters) || !filters.some(isSegmentFilter)) return { body, ids: [] };
  const ids: number[] = [];
  filters.forEach((filter, i) => {
    if (!isSegmentFilter(filter)) return;
    const [op, , values] = filter;
    const id = values.length === 1 ? Number(values[0]) : Number.NaN;
    if (op !== 'is' || filter.length !== 3 || !Number.isInteger(id) || id < 1 || id > 2 ** 31) {
      throw invalid(`filters[${i}]: performance takes one segment per filter, as ["is", "segment", [<id>]]`);
    }
    ids.push(id);
  });
  return { body: { ...body, filters: filters.filter((f) => !isSegmentFilter(f)) }, ids };
}

/** The performance filters of segments `ids`, as this reader may apply them (see expand.ts). */
export async function performanceSegmentFilters(
  db: D1Database,
  read: SiteRead,
  ids: number[],
): Promise<PerformanceFilter[]> {
  if (ids.length === 0) return [];
  const userId = read.principal.kind === 'user' ? read.principal.id : null;
  const rows = await segmentsForRead(db, read.site.id, userId, ids);
  return ids.flatMap((id) => {
    const row = rows.find((r) => r.id === id);
    if (!row) throw invalid(`filters: segment ${id} does not exist or is not available to you on this site`);
    try {
      return parsePerformanceQuery({ site_id: read.site.id, date_range: 'day', filters: storedFilters(row) })
        .filters;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      throw invalid(`segment ${id} cannot filter performance: ${error.message}`);
    }
  });
}
