import { ApiError } from '../errors';
import {
  DIMENSIONS,
  MAX_PROP_KEY_LENGTH,
  METRICS,
  type Metric,
  PROPS_PREFIX,
  TIME_DIMENSIONS,
} from './schema';

export const FILTER_OPERATORS = [
  'is',
  'is_not',
  'contains',
  'contains_not',
  'matches',
  'matches_not',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type Filter =
  | {
      kind: 'condition';
      op: FilterOperator;
      dimension: string;
      values: string[];
      caseSensitive: boolean;
    }
  | { kind: 'and' | 'or'; filters: Filter[] }
  | { kind: 'not'; filter: Filter }
  /**
   * Plausible's behavioural filters: the visits in which an event matching `filter` (event
   * dimensions only) did, or did not, happen in the range (functions/stats/plan/behavioural.ts).
   */
  | { kind: BehaviouralKind; filter: Filter };

export const BEHAVIOURAL_KINDS = ['has_done', 'has_not_done'] as const;
export type BehaviouralKind = (typeof BEHAVIOURAL_KINDS)[number];
export type BehaviouralFilter = Extract<Filter, { kind: BehaviouralKind }>;

export function isBehavioural(f: Filter): f is BehaviouralFilter {
  return f.kind === 'has_done' || f.kind === 'has_not_done';
}

/** Whether a filter tree holds a behavioural filter anywhere (only the raw plan answers them). */
export function hasBehavioural(filters: Filter[]): boolean {
  return filters.some((f) => {
    if (isBehavioural(f)) return true;
    if (f.kind === 'not') return hasBehavioural([f.filter]);
    return f.kind !== 'condition' && hasBehavioural(f.filters);
  });
}

export const DATE_PRESETS = [
  'day',
  '7d',
  '28d',
  '30d',
  '91d',
  'month',
  '6mo',
  '12mo',
  'year',
  'all',
  'realtime',
  '30m',
] as const;
export type DatePreset = (typeof DATE_PRESETS)[number];

export type DateRangeInput =
  | { kind: 'preset'; preset: DatePreset }
  | { kind: 'custom'; from: string; to: string };

export type ComparisonMode = 'previous_period' | 'year_over_year' | 'custom';

export interface ValidQuery {
  siteRef: string | number;
  metrics: Metric[];
  dateRange: DateRangeInput;
  dimensions: string[];
  filters: Filter[];
  orderBy: [string, 'asc' | 'desc'][];
  include: {
    timeLabels: boolean;
    totalRows: boolean;
    comparison: { mode: ComparisonMode; dateRange?: DateRangeInput } | null;
  };
  pagination: { limit: number; offset: number };
}

export const MAX_LIMIT = 10_000;
const MAX_FILTER_VALUES = 100;
const MAX_FILTER_VALUE_LENGTH = 2_000;
export const MAX_FILTER_NODES = 50;
export const MAX_FILTER_DEPTH = 5;
const MAX_DIMENSIONS = 8;

const TOP_LEVEL_KEYS = [
  'site_id',
  'metrics',
  'date_range',
  'dimensions',
  'filters',
  'order_by',
  'include',
  'pagination',
];
const INCLUDE_KEYS = ['time_labels', 'total_rows', 'imports', 'comparisons', 'imports_meta'];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$/;

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_query', message);
}

/** Quotes a user value for an error message, shortened so a huge value cannot bloat the answer. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `name` is a dimension the API knows (props keys are free-form but bounded). */
export function isKnownDimension(name: string): boolean {
  if (name in DIMENSIONS || (TIME_DIMENSIONS as readonly string[]).includes(name)) return true;
  if (name.startsWith(PROPS_PREFIX)) {
    const key = name.slice(PROPS_PREFIX.length);
    return key.length > 0 && key.length <= MAX_PROP_KEY_LENGTH;
  }
  return false;
}

export function isTimeDimension(name: string): boolean {
  return (TIME_DIMENSIONS as readonly string[]).includes(name);
}

function parseDateRange(value: unknown, field: string): DateRangeInput {
  if (typeof value === 'string') {
    if ((DATE_PRESETS as readonly string[]).includes(value))
      return { kind: 'preset', preset: value as DatePreset };
    throw invalid(
      `${field}: unknown date range ${show(value)}; use one of ${DATE_PRESETS.join(', ')} or [from, to]`,
    );
  }
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
    const [from, to] = value as [string, string];
    const bothDates = DATE.test(from) && DATE.test(to);
    const bothTimes = DATE_TIME.test(from) && DATE_TIME.test(to);
    if (!bothDates && !bothTimes) {
      throw invalid(
        `${field}: expected two ISO 8601 dates (YYYY-MM-DD) or two date-times, got ${show(value)}`,
      );
    }
    const probe = (text: string) =>
      bothDates ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text.replace(/(T\d{2}:\d{2})$/, '$1:00'));
    const fromMs = probe(from);
    const toMs = probe(to);
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs))
      throw invalid(`${field}: not a valid date ${show(value)}`);
    if (bothDates && from > to) throw invalid(`${field}: the start ${from} is after the end ${to}`);
    const year = Number(from.slice(0, 4));
    if (year < 2000 || Number(to.slice(0, 4)) > 2200)
      throw invalid(`${field}: dates must lie between 2000 and 2200`);
    return { kind: 'custom', from, to };
  }
  throw invalid(`${field}: expected a preset such as "7d" or [from, to], got ${show(value)}`);
}

function parseMetrics(value: unknown): Metric[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalid('metrics: expected a non-empty list of metric names');
  const seen = new Set<string>();
  return value.map((metric, i) => {
    if (typeof metric !== 'string' || !(METRICS as readonly string[]).includes(metric)) {
      throw invalid(`metrics[${i}]: unknown metric ${show(metric)}; known: ${METRICS.join(', ')}`);
    }
    if (seen.has(metric)) throw invalid(`metrics[${i}]: ${metric} is listed twice`);
    seen.add(metric);
    return metric as Metric;
  });
}

function parseDimensions(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('dimensions: expected a list of dimension names');
  if (value.length > MAX_DIMENSIONS) throw invalid(`dimensions: at most ${MAX_DIMENSIONS} dimensions`);
  const seen = new Set<string>();
  let times = 0;
  return value.map((dimension, i) => {
    if (typeof dimension !== 'string' || !isKnownDimension(dimension)) {
      throw invalid(`dimensions[${i}]: unknown dimension ${show(dimension)}`);
    }
    if (seen.has(dimension)) throw invalid(`dimensions[${i}]: ${dimension} is listed twice`);
    seen.add(dimension);
    if (isTimeDimension(dimension) && ++times > 1)
      throw invalid(`dimensions[${i}]: only one time dimension per query`);
    return dimension;
  });
}

function checkRegex(pattern: string, field: string): void {
  try {
    new RegExp(pattern);
  } catch {
    throw invalid(`${field}: not a valid regular expression ${show(pattern)}`);
  }
}

/**
 * Plausible's saved-segment filter, `["is", "segment", [<segment id>, …]]`: kept as a condition on
 * the pseudo-dimension `segment` (ids as strings) until functions/segments/expand.ts puts the
 * segments' own filters in its place, before anything is planned.
 */
export const SEGMENT_DIMENSION = 'segment';
/** Segment ids one query may name in all (Plausible's limit). */
export const MAX_SEGMENT_IDS = 10;

function parseSegmentReference(value: unknown[], field: string): Filter {
  const ids = value[2];
  if (value[0] !== 'is' || value.length !== 3 || !Array.isArray(ids)) {
    throw invalid(`${field}: a segment filter is ["is", "segment", [<segment id>]]`);
  }
  if (ids.length === 0 || ids.length > MAX_SEGMENT_IDS) {
    throw invalid(`${field}[2]: expected 1 to ${MAX_SEGMENT_IDS} segment ids`);
  }
  const values = ids.map((id, i) => {
    const text = typeof id === 'number' ? String(id) : id;
    if (typeof text !== 'string' || !/^[1-9]\d{0,9}$/.test(text) || Number(text) > 2 ** 31) {
      throw invalid(`${field}[2][${i}]: a segment id is a positive whole number, got ${show(id)}`);
    }
    return text;
  });
  return { kind: 'condition', op: 'is', dimension: SEGMENT_DIMENSION, values, caseSensitive: true };
}

/**
 * `behavioural` is set inside a has_done / has_not_done: there only event dimensions (what one event
 * did) make sense, and another behavioural filter or a segment is refused, as Plausible does.
 */
function parseFilter(
  value: unknown,
  field: string,
  budget: { nodes: number },
  depth: number,
  behavioural = false,
): Filter {
  if (++budget.nodes > MAX_FILTER_NODES) throw invalid(`filters: at most ${MAX_FILTER_NODES} filters in all`);
  if (depth > MAX_FILTER_DEPTH) throw invalid(`${field}: filters nest at most ${MAX_FILTER_DEPTH} deep`);
  if (Array.isArray(value) && (value[0] === 'has_done' || value[0] === 'has_not_done') && value.length !== 2)
    throw invalid(`${field}: expected ["${value[0]}", filter]`);
  if (!Array.isArray(value) || value.length < 2)
    throw invalid(`${field}: expected [operator, dimension, [values]]`);
  const op = value[0];
  if (op === 'and' || op === 'or') {
    const list = value[1];
    if (value.length !== 2 || !Array.isArray(list) || list.length === 0) {
      throw invalid(`${field}: expected ["${op}", [filter, ...]]`);
    }
    return {
      kind: op,
      filters: list.map((f, i) => parseFilter(f, `${field}[1][${i}]`, budget, depth + 1, behavioural)),
    };
  }
  if (op === 'not') {
    if (value.length !== 2) throw invalid(`${field}: expected ["not", filter]`);
    return { kind: 'not', filter: parseFilter(value[1], `${field}[1]`, budget, depth + 1, behavioural) };
  }
  if (op === 'has_done' || op === 'has_not_done') {
    if (behavioural) throw invalid(`${field}: behavioural filters (has_done, has_not_done) cannot be nested`);
    if (value.length !== 2) throw invalid(`${field}: expected ["${op}", filter]`);
    return { kind: op, filter: parseFilter(value[1], `${field}[1]`, budget, depth + 1, true) };
  }
  if (behavioural && (typeof value[1] !== 'string' || !value[1].startsWith('event:'))) {
    throw invalid(
      `${field}[1]: inside has_done or has_not_done only event dimensions (event:goal, event:name, event:page, event:hostname, event:props:*) can be filtered, got ${show(value[1])}`,
    );
  }
  if (value[1] === SEGMENT_DIMENSION) return parseSegmentReference(value, field);
  if (typeof op !== 'string' || !(FILTER_OPERATORS as readonly string[]).includes(op)) {
    throw invalid(
      `${field}[0]: unknown filter operator ${show(op)}; known: ${FILTER_OPERATORS.join(', ')}, and, or, not, has_done, has_not_done`,
    );
  }
  if (value.length < 3 || value.length > 4)
    throw invalid(`${field}: expected [operator, dimension, [values], options?]`);
  const dimension = value[1];
  if (typeof dimension !== 'string' || !isKnownDimension(dimension) || isTimeDimension(dimension)) {
    throw invalid(`${field}[1]: unknown dimension ${show(dimension)} for a filter`);
  }
  const values = value[2];
  if (!Array.isArray(values) || values.length === 0 || values.length > MAX_FILTER_VALUES) {
    throw invalid(`${field}[2]: expected a list of 1 to ${MAX_FILTER_VALUES} values`);
  }
  const strings = values.map((v, i) => {
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string' || v.length > MAX_FILTER_VALUE_LENGTH) {
      throw invalid(`${field}[2][${i}]: expected a string of at most ${MAX_FILTER_VALUE_LENGTH} characters`);
    }
    if (op === 'matches' || op === 'matches_not') checkRegex(v, `${field}[2][${i}]`);
    return v;
  });
  let caseSensitive = true;
  if (value.length === 4) {
    const options = value[3];
    if (!isObject(options) || Object.keys(options).some((k) => k !== 'case_sensitive')) {
      throw invalid(`${field}[3]: options may only hold case_sensitive`);
    }
    if (options.case_sensitive !== undefined) {
      if (typeof options.case_sensitive !== 'boolean')
        throw invalid(`${field}[3].case_sensitive: expected true or false`);
      caseSensitive = options.case_sensitive;
    }
  }
  return { kind: 'condition', op: op as FilterOperator, dimension, values: strings, caseSensitive };
}

/**
 * A v2 `filters` list, checked as a query's are (the saved segments of functions/segments are
 * checked with this too); `field` names the list in error messages.
 */
export function parseFilterList(value: unknown, field = 'filters'): Filter[] {
  if (!Array.isArray(value)) throw invalid(`${field}: expected a list of filters`);
  const budget = { nodes: 0 };
  return value.map((f, i) => parseFilter(f, `${field}[${i}]`, budget, 1));
}

/**
 * Every dimension a filter tree tests the rows by. Those inside a behavioural filter are left out:
 * they test other events of the visit (in a subquery), never the rows themselves.
 */
export function filterDimensions(filters: Filter[]): string[] {
  const out: string[] = [];
  const walk = (f: Filter) => {
    if (f.kind === 'condition') out.push(f.dimension);
    else if (f.kind === 'not') walk(f.filter);
    else if (!isBehavioural(f)) f.filters.forEach(walk);
  };
  filters.forEach(walk);
  return out;
}

function parseInclude(value: unknown): ValidQuery['include'] {
  const include: ValidQuery['include'] = { timeLabels: false, totalRows: false, comparison: null };
  if (value === undefined) return include;
  if (!isObject(value)) throw invalid('include: expected an object');
  for (const key of Object.keys(value)) {
    if (!INCLUDE_KEYS.includes(key))
      throw invalid(`include.${key}: unknown option; known: ${INCLUDE_KEYS.join(', ')}`);
  }
  for (const [key, prop] of [
    ['time_labels', 'timeLabels'],
    ['total_rows', 'totalRows'],
  ] as const) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw invalid(`include.${key}: expected true or false`);
    include[prop] = v;
  }
  const comparisons = value.comparisons;
  if (comparisons !== undefined && comparisons !== null) {
    if (!isObject(comparisons)) throw invalid('include.comparisons: expected an object with mode');
    const mode = comparisons.mode;
    if (mode !== 'previous_period' && mode !== 'year_over_year' && mode !== 'custom') {
      throw invalid(
        `include.comparisons.mode: unknown mode ${show(mode)}; use previous_period, year_over_year or custom`,
      );
    }
    if (mode === 'custom') {
      const range = parseDateRange(comparisons.date_range, 'include.comparisons.date_range');
      if (range.kind !== 'custom') throw invalid('include.comparisons.date_range: expected [from, to]');
      include.comparison = { mode, dateRange: range };
    } else {
      include.comparison = { mode };
    }
  }
  return include;
}

function parsePagination(value: unknown): ValidQuery['pagination'] {
  const pagination = { limit: MAX_LIMIT, offset: 0 };
  if (value === undefined) return pagination;
  if (!isObject(value)) throw invalid('pagination: expected {limit, offset}');
  for (const key of Object.keys(value)) {
    if (key !== 'limit' && key !== 'offset') throw invalid(`pagination.${key}: unknown option`);
  }
  if (value.limit !== undefined) {
    if (
      !Number.isInteger(value.limit) ||
      (value.limit as number) < 1 ||
      (value.limit as number) > MAX_LIMIT
    ) {
      throw invalid(`pagination.limit: expected an integer from 1 to ${MAX_LIMIT}`);
    }
    pagination.limit = value.limit as number;
  }
  if (value.offset !== undefined) {
    if (
      !Number.isInteger(value.offset) ||
      (value.offset as number) < 0 ||
      (value.offset as number) > 1_000_000
    ) {
      throw invalid('pagination.offset: expected an integer from 0 to 1000000');
    }
    pagination.offset = value.offset as number;
  }
  return pagination;
}

/** Plausible's rule: exit_rate is by exit page alone, and a filter on events has no exit. */
function checkExitRate(dimensions: string[], filtered: Set<string>, i: number): void {
  if (dimensions.length !== 1 || dimensions[0] !== 'visit:exit_page') {
    throw invalid(`metrics[${i}]: exit_rate needs visit:exit_page as the only dimension`);
  }
  const eventFilter = [...filtered].find((d) => d.startsWith('event:'));
  if (eventFilter) throw invalid(`metrics[${i}]: exit_rate cannot be filtered by ${eventFilter}`);
}

/** The metrics that need a dimension or filter have it (`metrics[i]: …` otherwise). */
export function checkMetricFilters(metrics: Metric[], dimensions: string[], filters: Filter[]): void {
  const filtered = new Set(filterDimensions(filters));
  metrics.forEach((metric, i) => {
    if (metric === 'percentage' && !dimensions.some((d) => !isTimeDimension(d))) {
      throw invalid(`metrics[${i}]: percentage needs a non-time dimension`);
    }
    if (
      (metric === 'conversion_rate' || metric === 'group_conversion_rate') &&
      !dimensions.includes('event:goal') &&
      !filtered.has('event:goal')
    ) {
      throw invalid(`metrics[${i}]: ${metric} needs event:goal in dimensions or filters`);
    }
    if (
      (metric === 'total_revenue' || metric === 'average_revenue') &&
      !dimensions.includes('event:goal') &&
      !filtered.has('event:goal')
    ) {
      throw invalid(`metrics[${i}]: ${metric} needs event:goal in dimensions or filters`);
    }
    if (
      (metric === 'scroll_depth' || metric === 'time_on_page') &&
      !dimensions.includes('event:page') &&
      !filtered.has('event:page')
    ) {
      throw invalid(`metrics[${i}]: ${metric} needs event:page in dimensions or filters`);
    }
    if (metric === 'exit_rate') checkExitRate(dimensions, filtered, i);
  });
}

/**
 * Checks a request body against the query language and returns it in normalised form, or throws
 * a 400 `invalid_query` whose message names the offending field (`metrics[1]: …`).
 */
export function parseQuery(body: unknown): ValidQuery {
  if (!isObject(body)) throw invalid('body: expected a JSON object');
  for (const key of Object.keys(body)) {
    if (!TOP_LEVEL_KEYS.includes(key))
      throw invalid(`${key}: unknown field; known: ${TOP_LEVEL_KEYS.join(', ')}`);
  }
  const site = body.site_id;
  if (
    !(
      (typeof site === 'string' && site.length > 0 && site.length <= 253) ||
      (Number.isInteger(site) && (site as number) > 0)
    )
  ) {
    throw invalid('site_id: expected the site domain (or its numeric id)');
  }
  const metrics = parseMetrics(body.metrics);
  if (body.date_range === undefined)
    throw invalid('date_range: required, e.g. "7d" or ["2026-10-01", "2026-10-31"]');
  const dateRange = parseDateRange(body.date_range, 'date_range');
  const dimensions = parseDimensions(body.dimensions);

  const filters = body.filters === undefined ? [] : parseFilterList(body.filters);
  // A segment's filters count once written out: functions/segments/expand.ts checks then.
  if (!filterDimensions(filters).includes(SEGMENT_DIMENSION))
    checkMetricFilters(metrics, dimensions, filters);

  const orderBy: ValidQuery['orderBy'] = [];
  if (body.order_by !== undefined) {
    if (!Array.isArray(body.order_by)) throw invalid('order_by: expected a list of [field, "asc" | "desc"]');
    body.order_by.forEach((entry, i) => {
      if (!Array.isArray(entry) || entry.length !== 2)
        throw invalid(`order_by[${i}]: expected [field, "asc" | "desc"]`);
      const [field, direction] = entry;
      if (
        typeof field !== 'string' ||
        !((metrics as string[]).includes(field) || dimensions.includes(field))
      ) {
        throw invalid(`order_by[${i}][0]: ${show(field)} is not among the query's metrics or dimensions`);
      }
      if (direction !== 'asc' && direction !== 'desc')
        throw invalid(`order_by[${i}][1]: expected "asc" or "desc"`);
      orderBy.push([field, direction]);
    });
  }

  return {
    siteRef: site as string | number,
    metrics,
    dateRange,
    dimensions,
    filters,
    orderBy,
    include: parseInclude(body.include),
    pagination: parsePagination(body.pagination),
  };
}
