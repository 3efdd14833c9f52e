/**
 * A saved segment as the API takes it, and the rules for it. Pure: the D1 side is store.ts. The
 * filters are checked by the Stats API's own filter parser (functions/stats/validate.ts), so a
 * segment holds exactly what a query could say, and every problem is a 400 naming the field.
 */
import { ApiError } from '../errors';
import { filterDimensions, parseFilterList, SEGMENT_DIMENSION } from '../stats/validate';

export const SEGMENT_SCOPES = ['personal', 'site'] as const;
export type SegmentScope = (typeof SEGMENT_SCOPES)[number];

/** Segments per site, personal ones included (Plausible's limit). */
export const MAX_SEGMENTS_PER_SITE = 500;
/** Characters in a name. */
export const MAX_SEGMENT_NAME = 255;
/** The filters' JSON in UTF-8 bytes (Plausible's limit for a segment's data). */
export const MAX_SEGMENT_FILTERS_BYTES = 5 * 1024;

/** What a create (all fields) or an update (any of them) says. */
export interface SegmentInput {
  name?: string;
  scope?: SegmentScope;
  /** The v2 filters list, as JSON text, once valid. */
  filters?: string;
}

function invalid(code: string, message: string): ApiError {
  return new ApiError(400, code, message);
}

const FIELDS = ['name', 'scope', 'filters'];

function parseName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0 || name.length > MAX_SEGMENT_NAME) {
    throw invalid('invalid_name', `name must be 1 to ${MAX_SEGMENT_NAME} characters`);
  }
  return name;
}

function parseScope(value: unknown): SegmentScope {
  if (value === 'personal' || value === 'site') return value;
  throw invalid(
    'invalid_scope',
    'scope must be "personal" (only you) or "site" (everyone who can read the site)',
  );
}

/**
 * A non-empty v2 filters list the Stats API would accept, naming no other segment (a segment is
 * expanded once, never recursively), stored as compact JSON.
 */
export function parseSegmentFilters(value: unknown): string {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid('invalid_filters', 'filters must be a non-empty list of Stats API v2 filters');
  }
  let parsed: ReturnType<typeof parseFilterList>;
  try {
    parsed = parseFilterList(value);
  } catch (error) {
    if (error instanceof ApiError) throw invalid('invalid_filters', error.message);
    throw error;
  }
  if (filterDimensions(parsed).includes(SEGMENT_DIMENSION)) {
    throw invalid('invalid_filters', 'filters: a segment cannot contain another segment');
  }
  const json = JSON.stringify(value);
  if (new TextEncoder().encode(json).byteLength > MAX_SEGMENT_FILTERS_BYTES) {
    throw invalid('invalid_filters', `filters: at most ${MAX_SEGMENT_FILTERS_BYTES / 1024} KB of JSON`);
  }
  return json;
}

/**
 * The fields of a POST (`partial: false`: name, scope and filters required) or a PATCH body (any
 * of them); unknown fields are refused.
 */
export function parseSegmentInput(body: Record<string, unknown>, partial: boolean): SegmentInput {
  const unknown = Object.keys(body).filter((key) => !FIELDS.includes(key));
  if (unknown.length > 0) {
    throw invalid(
      'unknown_field',
      `unknown field ${unknown.slice(0, 5).join(', ')}; a segment has ${FIELDS.join(', ')}`,
    );
  }
  const input: SegmentInput = {};
  if (!partial || body.name !== undefined) input.name = parseName(body.name);
  if (!partial || body.scope !== undefined) input.scope = parseScope(body.scope);
  if (!partial || body.filters !== undefined) input.filters = parseSegmentFilters(body.filters);
  return input;
}
