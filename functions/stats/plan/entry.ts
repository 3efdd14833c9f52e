/**
 * Plausible's rules for visit metrics under a page (docs/stats-api.md, "Metrics under filters"):
 *
 * - A top-level `event:page` filter makes `bounce_rate` count only the visits that ENTERED on a
 *   matching page: Plausible applies the first top-level page filter to the session's entry page
 *   (`sumIf(is_bounce, <filter on entry_page>)`). `visits`, `visit_duration` and
 *   `views_per_visit` keep every visit with a matching event. A page filter inside and / or / not
 *   is no top-level filter and restricts nothing, as in Plausible.
 * - An `event:page` dimension makes `bounce_rate` and `visit_duration` of each page come from the
 *   visits that entered on it (Plausible breaks the sessions down by `visit:entry_page`); a page
 *   that was never an entry page answers 0 for both.
 *
 * Both need the page of an event and the entry page of its visit side by side, which only the raw
 * plan has: the rollups never answer them (the page rollup has no visit metrics and the visit
 * rollup no event filter or dimension, so `chooseSource` and the sealed plans step aside).
 */
import { DIMENSIONS, type SessionColumn } from '../schema';
import type { Filter } from '../validate';
import { type Params, type PlanInput, whereFilters } from './shared';

const PAGE = 'event:page';

/** The visit row's entry page inside the raw plan's per-visit level (one value per visit). */
const ENTRY = 'any(s.entry_page)';

/** The first top-level condition on `event:page`, the one Plausible reads (`get_toplevel_filter`). */
function topLevelPageFilter(filters: Filter[]): Filter | undefined {
  return filters.find((f) => f.kind === 'condition' && f.dimension === PAGE);
}

/**
 * The raw plan's per-visit columns `s_bounce_base` and `s_duration_base` (1 when the visit counts
 * for that metric, schema.ts's RAW_INNER_SESSION_COLUMNS), narrowed by the rules above, and the
 * visit columns they read. Empty when no rule applies.
 */
export function entryBases(
  input: PlanInput,
  params: Params,
): { columns: Partial<Record<'s_bounce_base' | 's_duration_base', string>>; needs: SessionColumn[] } {
  const asked = input.metrics.includes('bounce_rate') || input.metrics.includes('visit_duration');
  if (!asked) return { columns: {}, needs: [] };
  const spec = DIMENSIONS[PAGE];
  if (input.dimensions.includes(PAGE) && spec?.scope === 'event') {
    // The page is a grouping key of the per-visit level, so it may sit beside an aggregate.
    const entered = `toUInt8(${ENTRY} = ${spec.raw})`;
    return { columns: { s_bounce_base: entered, s_duration_base: entered }, needs: ['entry_page'] };
  }
  const filter = topLevelPageFilter(input.filters);
  if (!filter || !input.metrics.includes('bounce_rate')) return { columns: {}, needs: [] };
  const [condition] = whereFilters([filter], () => ({ sql: ENTRY }), params);
  return { columns: { s_bounce_base: `toUInt8(${condition})` }, needs: ['entry_page'] };
}
