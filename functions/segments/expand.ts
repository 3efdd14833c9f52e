/**
 * Saved segments in Stats API queries: Plausible's `["is", "segment", [<id>, …]]` is replaced by
 * the segments' own filters before a query is planned, so a segment filter answers exactly as its
 * filters written out. One segment becomes its filters (spread into the list at the top level, an
 * `and` deeper down); several become an `or` of them. A reader may apply the site's segments, and
 * a signed-in user also their own personal ones; any other id (missing, another site's, another
 * user's personal segment) is a 400 that does not say which of those it was.
 */
import { ApiError } from '../errors';
import type { SiteRead } from '../stats/access';
import {
  checkMetricFilters,
  type Filter,
  MAX_FILTER_DEPTH,
  MAX_FILTER_NODES,
  parseFilterList,
  SEGMENT_DIMENSION,
  type ValidQuery,
} from '../stats/validate';
import { segmentsForRead, storedFilters } from './store';

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_query', message);
}

type Condition = Extract<Filter, { kind: 'condition' }>;

function segmentFilter(f: Filter): Condition | null {
  return f.kind === 'condition' && f.dimension === SEGMENT_DIMENSION ? f : null;
}

/** The segment ids a filter list names, anywhere in its trees. */
export function segmentIds(filters: Filter[]): number[] {
  const ids = new Set<number>();
  const walk = (f: Filter): void => {
    if (f.kind === 'condition') {
      if (segmentFilter(f)) for (const id of f.values) ids.add(Number(id));
    } else if ('filter' in f) walk(f.filter);
    else f.filters.forEach(walk);
  };
  filters.forEach(walk);
  return [...ids];
}

function size(f: Filter, depth = 1): { nodes: number; depth: number } {
  if (f.kind === 'condition') return { nodes: 1, depth };
  const children = 'filter' in f ? [f.filter] : f.filters;
  return children.reduce(
    (acc, child) => {
      const s = size(child, depth + 1);
      return { nodes: acc.nodes + s.nodes, depth: Math.max(acc.depth, s.depth) };
    },
    { nodes: 1, depth },
  );
}

/** `filters` with every segment filter replaced; `segments` holds each named id's filters. */
function substitute(filters: Filter[], segments: Map<number, Filter[]>): Filter[] {
  const replace = (f: Filter): Filter => {
    const segment = segmentFilter(f);
    if (segment) {
      const trees = segment.values.map(
        (id): Filter => ({ kind: 'and', filters: segments.get(Number(id)) ?? [] }),
      );
      return trees.length === 1 && trees[0] ? trees[0] : { kind: 'or', filters: trees };
    }
    if ('filter' in f) return { kind: f.kind, filter: replace(f.filter) };
    if (f.kind === 'condition') return f;
    return { kind: f.kind, filters: f.filters.map(replace) };
  };
  // At the top level, one segment's filters join the list itself, as if written there.
  return filters.flatMap((f): Filter[] => {
    const replaced = replace(f);
    return segmentFilter(f) && replaced.kind === 'and' ? replaced.filters : [replaced];
  });
}

/**
 * Each query with its segment filters expanded, or the 400 that query gets; queries without a
 * segment filter come back as they are, and cost no D1 read. One read serves a whole batch.
 */
export async function expandSegments(
  db: D1Database,
  read: SiteRead,
  queries: ValidQuery[],
): Promise<(ValidQuery | ApiError)[]> {
  const wanted = queries.map((q) => segmentIds(q.filters));
  const all = [...new Set(wanted.flat())];
  if (all.length === 0) return queries;
  const userId = read.principal.kind === 'user' ? read.principal.id : null;
  const rows = await segmentsForRead(db, read.site.id, userId, all);
  const segments = new Map<number, Filter[] | ApiError>();
  for (const row of rows) {
    try {
      segments.set(row.id, parseFilterList(storedFilters(row)));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Filters saved under older rules: the segment needs editing, the query cannot run.
      segments.set(
        row.id,
        invalid(`filters: segment ${row.id} no longer holds valid filters (${error.message})`),
      );
    }
  }
  return queries.map((query, i) => {
    const ids = wanted[i] ?? [];
    if (ids.length === 0) return query;
    const found = new Map<number, Filter[]>();
    for (const id of ids) {
      const filters = segments.get(id);
      if (filters === undefined) {
        return invalid(`filters: segment ${id} does not exist or is not available to you on this site`);
      }
      if (filters instanceof ApiError) return filters;
      found.set(id, filters);
    }
    const expanded = substitute(query.filters, found);
    const total = expanded.reduce(
      (acc, f) => {
        const s = size(f);
        return { nodes: acc.nodes + s.nodes, depth: Math.max(acc.depth, s.depth) };
      },
      { nodes: 0, depth: 0 },
    );
    if (total.nodes > MAX_FILTER_NODES || total.depth > MAX_FILTER_DEPTH * 2) {
      return invalid(
        `filters: with its segments written out, the query has more than ${MAX_FILTER_NODES} filters or nests deeper than ${MAX_FILTER_DEPTH * 2}`,
      );
    }
    try {
      // What parseQuery checks of the metrics against the filters, now that the filters are known.
      checkMetricFilters(query.metrics, query.dimensions, expanded);
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
    return { ...query, filters: expanded };
  });
}
