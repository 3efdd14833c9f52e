/**
 * The request of POST /api/stats/performance, validated. Every problem is a 400 that names the
 * field, so a client can fix its query without reading the source.
 */
import { ApiError } from '../errors';

export const PERFORMANCE_DIMENSIONS = ['time:hour', 'time:day', 'event:page'] as const;
export type PerformanceDimension = (typeof PERFORMANCE_DIMENSIONS)[number];

export const DATE_PRESETS = ['day', '7d', '28d', '30d', 'month', '6mo', '12mo', 'year'] as const;
export type DatePreset = (typeof DATE_PRESETS)[number];

export type DateRangeInput =
  | { kind: 'preset'; preset: DatePreset }
  | { kind: 'dates'; from: string; to: string }
  | { kind: 'times'; from: string; to: string };

/**
 * Filter dimensions. `event:page` is in the rollup's key; the others live only in the raw table,
 * so a filter on them makes the query read `events`.
 */
export const FILTER_DIMENSIONS = [
  'event:page',
  'event:hostname',
  'visit:country',
  'visit:device',
  'visit:browser',
  'visit:os',
] as const;
export type FilterDimension = (typeof FILTER_DIMENSIONS)[number];

export const FILTER_OPERATORS = ['is', 'is_not', 'contains', 'contains_not'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface PerformanceFilter {
  operator: FilterOperator;
  dimension: FilterDimension;
  values: string[];
}

export interface PerformanceQuery {
  siteRef: string | number;
  dateRange: DateRangeInput;
  dimension: PerformanceDimension | null;
  filters: PerformanceFilter[];
  /** Rows for `event:page` (the busiest pages first). */
  limit: number;
  /** With a time dimension: the range as a whole too, as `dimension: null` answers it. */
  total: boolean;
}

const FIELDS = ['site_id', 'date_range', 'dimension', 'filters', 'limit', 'total'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?$/;
const MAX_FILTERS = 20;
const MAX_FILTER_VALUES = 100;
const MAX_VALUE_LENGTH = 2000;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_query', message);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function parseSiteRef(value: unknown): string | number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (typeof value === 'string' && value.trim() !== '' && value.length <= 253) return value.trim();
  throw invalid('site_id: required, the site id or domain');
}

function parseDateRange(value: unknown): DateRangeInput {
  if (value === undefined) throw invalid('date_range: required, e.g. "30d" or ["2026-10-01", "2026-10-31"]');
  if (typeof value === 'string') {
    if ((DATE_PRESETS as readonly string[]).includes(value))
      return { kind: 'preset', preset: value as DatePreset };
    throw invalid(
      `date_range: unknown date range ${show(value)}; use one of ${DATE_PRESETS.join(', ')} or [from, to]`,
    );
  }
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
    const [from, to] = value as [string, string];
    if (DATE.test(from) && DATE.test(to)) {
      if (
        !Number.isFinite(Date.parse(`${from}T00:00:00Z`)) ||
        !Number.isFinite(Date.parse(`${to}T00:00:00Z`))
      ) {
        throw invalid(`date_range: not a valid date ${show(value)}`);
      }
      if (from > to) throw invalid(`date_range: the start ${from} is after the end ${to}`);
      if (from < '2000-01-01' || to > '2200-12-31')
        throw invalid('date_range: dates must lie between 2000 and 2200');
      return { kind: 'dates', from, to };
    }
    if (DATE_TIME.test(from) && DATE_TIME.test(to)) return { kind: 'times', from, to };
  }
  throw invalid(
    `date_range: expected a preset such as "30d" or two ISO dates [from, to], got ${show(value)}`,
  );
}

function parseDimension(value: unknown): PerformanceDimension | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && (PERFORMANCE_DIMENSIONS as readonly string[]).includes(value)) {
    return value as PerformanceDimension;
  }
  throw invalid(
    `dimension: expected null or one of ${PERFORMANCE_DIMENSIONS.join(', ')}, got ${show(value)}`,
  );
}

function parseFilter(value: unknown, index: number): PerformanceFilter {
  const field = `filters[${index}]`;
  if (!Array.isArray(value) || value.length !== 3) {
    throw invalid(`${field}: expected [operator, dimension, [values]], got ${show(value)}`);
  }
  const [operator, dimension, values] = value as unknown[];
  if (typeof operator !== 'string' || !(FILTER_OPERATORS as readonly string[]).includes(operator)) {
    throw invalid(`${field}: unknown operator ${show(operator)}; use one of ${FILTER_OPERATORS.join(', ')}`);
  }
  if (typeof dimension !== 'string' || !(FILTER_DIMENSIONS as readonly string[]).includes(dimension)) {
    throw invalid(
      `${field}: cannot filter performance by ${show(dimension)}; use one of ${FILTER_DIMENSIONS.join(', ')}`,
    );
  }
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.length > MAX_FILTER_VALUES ||
    !values.every((v) => typeof v === 'string' && v.length <= MAX_VALUE_LENGTH)
  ) {
    throw invalid(`${field}: expected 1 to ${MAX_FILTER_VALUES} strings as values, got ${show(values)}`);
  }
  return {
    operator: operator as FilterOperator,
    dimension: dimension as FilterDimension,
    values: values as string[],
  };
}

function parseLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_LIMIT) return value;
  throw invalid(`limit: expected a whole number from 1 to ${MAX_LIMIT}, got ${show(value)}`);
}

/** Validates a request body; throws a 400 ApiError naming the first bad field. */
export function parsePerformanceQuery(body: unknown): PerformanceQuery {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the body must be a JSON object');
  }
  const record = body as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !FIELDS.includes(key));
  if (unknown.length > 0) {
    throw invalid(`${unknown[0]}: unknown field; allowed: ${FIELDS.join(', ')}`);
  }
  const filters = record.filters ?? [];
  if (!Array.isArray(filters) || filters.length > MAX_FILTERS) {
    throw invalid(`filters: expected a list of at most ${MAX_FILTERS} filters`);
  }
  const siteRef = parseSiteRef(record.site_id);
  const dateRange = parseDateRange(record.date_range);
  const dimension = parseDimension(record.dimension);
  const parsedFilters = filters.map(parseFilter);
  const limit = parseLimit(record.limit);
  const total = record.total ?? false;
  if (typeof total !== 'boolean') throw invalid(`total: expected true or false, got ${show(total)}`);
  if (total && dimension !== 'time:hour' && dimension !== 'time:day') {
    throw invalid(
      'total: only with dimension time:hour or time:day (without a dimension the answer is the total)',
    );
  }
  return { siteRef, dateRange, dimension, filters: parsedFilters, limit, total };
}
