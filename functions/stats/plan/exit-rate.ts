/**
 * `exit_rate` (Plausible v2, asked by `visit:exit_page` only): the visits that ended on a page ÷
 * that page's pageviews × 100. The visits are the plan's own rows (sessions or raw); the pageviews
 * are one more grouped read, joined by page as `x` (METRIC_SQL's `exit_rate` reads `x.pageviews`).
 * They are every pageview of the page in the range, from the visits that pass the query's filters
 * except the top-level ones on the exit page itself: Plausible leaves those out of the base, so
 * "exit page is /a" still divides by all of /a's pageviews. Sealed days answer it their own way
 * (./sealed.ts, the `exit_base` column) when the only filters are on the exit page.
 */
import {
  BASE_SESSION_COLUMNS,
  PROPS_PREFIX,
  propsDimensionSql,
  type SessionColumn,
  TABLES,
  visitDimensionSql,
} from '../schema';
import type { Filter } from '../validate';
import { behaviouralSql } from './behavioural';
import {
  dimensionSpec,
  hourAligned,
  type Params,
  type PlanInput,
  type Resolver,
  sessionsSubquery,
  whereFilters,
} from './shared';

const EXIT_PAGE = 'visit:exit_page';

/** ` LEFT JOIN (<pageviews by page>) AS x ON x.page = <page>`, or '' when exit_rate is not asked. */
export function exitRateJoin(input: PlanInput, params: Params, page: string): string {
  if (!input.metrics.includes('exit_rate')) return '';
  const filters = input.filters.filter((f: Filter) => !(f.kind === 'condition' && f.dimension === EXIT_PAGE));
  return ` LEFT JOIN (${pageviewsByPage(input, filters, params)}) AS x ON x.page = ${page}`;
}

function pageviewsByPage(input: PlanInput, filters: Filter[], params: Params): string {
  // Without filters the page rollup holds the figure, for ranges of whole hours.
  if (filters.length === 0 && hourAligned(input.range)) {
    return (
      `SELECT p.pathname AS page, sum(p.pageviews) AS pageviews FROM ${TABLES.pages} AS p` +
      ' WHERE p.site_id = {site:UInt32} AND p.hour >= {from:DateTime} AND p.hour < {to:DateTime} GROUP BY page'
    );
  }
  const columns = new Set<SessionColumn>(BASE_SESSION_COLUMNS);
  let joinSessions = false;
  // Validation admits visit filters only; a saved segment may still bring event ones, which test
  // the pageview itself, as in the raw plan.
  const resolve: Resolver = (name) => {
    if (name.startsWith(PROPS_PREFIX)) {
      return { sql: propsDimensionSql(params.add('String', name.slice(PROPS_PREFIX.length))) };
    }
    const spec = dimensionSpec(name);
    if (typeof spec !== 'object') throw new Error(`${name} cannot be filtered`);
    if (spec.scope === 'event') return { sql: spec.raw, condition: spec.rawCondition };
    joinSessions = true;
    columns.add(spec.column);
    return { sql: visitDimensionSql(spec) };
  };
  const where = [
    'e.site_id = {site:UInt32}',
    'e.timestamp >= {from:DateTime}',
    'e.timestamp < {to:DateTime}',
    "e.kind = 'pageview'",
    ...whereFilters(filters, resolve, params, (f) => behaviouralSql(f, input.goals, params)),
  ];
  const join = joinSessions
    ? ` INNER JOIN (${sessionsSubquery(columns)}) AS s ON s.session_id = e.session_id`
    : '';
  return `SELECT e.pathname AS page, count() AS pageviews FROM ${TABLES.events} AS e${join} WHERE ${where.join(' AND ')} GROUP BY page`;
}
