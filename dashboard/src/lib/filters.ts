/**
 * Filter chips: what a click on a panel row adds, what the filter editor writes, how the chips sit
 * in the URL (`?f=event:page~/pricing`, repeated), and the Stats API filters they become. A chip
 * names one value; chips on the same dimension and operator are alternatives of one filter.
 */

/** The operators the dashboard offers, as the Stats API v2 names them. */
export const CHIP_OPERATORS = ['is', 'is_not', 'contains', 'contains_not'] as const;
export type ChipOperator = (typeof CHIP_OPERATORS)[number];

export const OPERATOR_LABELS: Record<ChipOperator, string> = {
  is: 'is',
  is_not: 'is not',
  contains: 'contains',
  contains_not: 'does not contain',
};

/**
 * A saved segment applied to the view: `{ dimension: 'segment', value: '<id>' }`, which the Stats
 * API writes out as the segment's filters (Plausible's `["is", "segment", [id]]`).
 */
export const SEGMENT_DIMENSION = 'segment';

export interface FilterChip {
  /** A Stats API dimension, e.g. `event:page` or `visit:country`, or `segment`. */
  dimension: string;
  value: string;
  /** Left out for `is`, what a click on a row means. */
  op?: ChipOperator;
}

/** A Stats API v2 filter: `[operator, dimension, values]`. */
export type V2Filter = [operator: ChipOperator, dimension: string, values: string[]];

export function chipOperator(chip: FilterChip): ChipOperator {
  return chip.op ?? 'is';
}

/** Dimensions a chip may name; anything else in a URL is ignored. */
const FILTERABLE = /^(event:(page|goal|name|hostname|props:[\w.-]{1,100})|visit:[a-z_]{2,30}|segment)$/;

const LABELS: Record<string, string> = {
  'event:page': 'Page',
  'event:goal': 'Goal',
  'event:name': 'Event',
  'event:hostname': 'Hostname',
  'visit:entry_page': 'Entry page',
  'visit:exit_page': 'Exit page',
  'visit:source': 'Source',
  'visit:referrer': 'Referrer',
  'visit:channel': 'Channel',
  'visit:utm_source': 'UTM source',
  'visit:utm_medium': 'UTM medium',
  'visit:utm_campaign': 'UTM campaign',
  'visit:utm_content': 'UTM content',
  'visit:utm_term': 'UTM term',
  'visit:country': 'Country',
  'visit:region': 'Region',
  'visit:city': 'City',
  'visit:device': 'Device',
  'visit:browser': 'Browser',
  'visit:browser_version': 'Browser version',
  'visit:os': 'OS',
  'visit:os_version': 'OS version',
};

/** "Page", "UTM source", "Property plan". */
export function dimensionLabel(dimension: string): string {
  const known = LABELS[dimension];
  if (known) return known;
  if (dimension === SEGMENT_DIMENSION) return 'Segment';
  if (dimension.startsWith('event:props:')) return `Property ${dimension.slice('event:props:'.length)}`;
  return dimension;
}

/** Dimensions the filter editor offers, in its order (properties are typed in apart). */
export const EDITOR_DIMENSIONS = Object.keys(LABELS);

function sameChip(a: FilterChip, b: FilterChip): boolean {
  return a.dimension === b.dimension && a.value === b.value && chipOperator(a) === chipOperator(b);
}

/** Adds a chip unless the same one is there already. */
export function addChip(chips: readonly FilterChip[], chip: FilterChip): FilterChip[] {
  const exists = chips.some((c) => sameChip(c, chip));
  return exists ? [...chips] : [...chips, chip];
}

export function removeChip(chips: readonly FilterChip[], chip: FilterChip): FilterChip[] {
  return chips.filter((c) => !sameChip(c, chip));
}

/** One filter of the editor: a dimension, an operator and its values (the chips it stands for). */
export interface FilterGroup {
  dimension: string;
  op: ChipOperator;
  values: string[];
}

/** The chips as filters, in the order their first chip appears. */
export function chipGroups(chips: readonly FilterChip[]): FilterGroup[] {
  const groups = new Map<string, FilterGroup>();
  for (const chip of chips) {
    const op = chipOperator(chip);
    const key = JSON.stringify([chip.dimension, op]);
    const group = groups.get(key) ?? { dimension: chip.dimension, op, values: [] };
    if (!group.values.includes(chip.value)) group.values.push(chip.value);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * The chips with the filter `previous` (dimension and operator) replaced by `next`, in its place;
 * without `previous`, `next` is added. A `next` without values removes the filter.
 */
export function replaceGroup(
  chips: readonly FilterChip[],
  previous: Pick<FilterGroup, 'dimension' | 'op'> | null,
  next: FilterGroup,
): FilterChip[] {
  const inGroup = (c: FilterChip, g: Pick<FilterGroup, 'dimension' | 'op'>) =>
    c.dimension === g.dimension && chipOperator(c) === g.op;
  const fresh = next.values.map((value) =>
    next.op === 'is'
      ? { dimension: next.dimension, value }
      : { dimension: next.dimension, value, op: next.op },
  );
  const at = previous ? chips.findIndex((c) => inGroup(c, previous)) : -1;
  const kept = chips.filter((c) => !(previous && inGroup(c, previous)) && !inGroup(c, next));
  const position = at < 0 ? kept.length : Math.min(at, kept.length);
  let out = kept.slice(0, position);
  for (const chip of fresh) out = addChip(out, chip);
  return [...out, ...kept.slice(position)];
}

/**
 * The API's filters: chips on one dimension and operator are alternatives (page A or page B: one
 * `is` with both values; for `is_not` and `contains_not`, neither), different ones all apply (the
 * list is combined with `and`). Applied segments become `["is", "segment", [ids]]`.
 */
export function toV2Filters(chips: readonly FilterChip[]): V2Filter[] {
  return chipGroups(chips).map((g) => [g.op, g.dimension, g.values]);
}

const SEPARATOR = '~';

/** In the URL the operator rides on the dimension: `event:page!~x` is "Page is not x". */
const OPERATOR_MARKS: Record<ChipOperator, string> = {
  is: '',
  is_not: '!',
  contains: '*',
  contains_not: '!*',
};

/** Reads chips from the repeated `f` parameter; malformed entries are dropped. */
export function parseChips(search: URLSearchParams): FilterChip[] {
  let chips: FilterChip[] = [];
  for (const entry of search.getAll('f')) {
    const at = entry.indexOf(SEPARATOR);
    if (at <= 0) continue;
    const head = /^(.*?)(!\*|!|\*)?$/.exec(entry.slice(0, at));
    const dimension = head?.[1] ?? '';
    const mark = head?.[2] ?? '';
    const op = CHIP_OPERATORS.find((o) => OPERATOR_MARKS[o] === mark) ?? 'is';
    const value = entry.slice(at + 1);
    if (!FILTERABLE.test(dimension) || value.length > 2000) continue;
    if (dimension === SEGMENT_DIMENSION && (op !== 'is' || !/^[1-9]\d{0,9}$/.test(value))) continue;
    chips = addChip(chips, op === 'is' ? { dimension, value } : { dimension, value, op });
  }
  return chips;
}

export function writeChips(search: URLSearchParams, chips: readonly FilterChip[]): void {
  search.delete('f');
  for (const chip of chips) {
    search.append('f', `${chip.dimension}${OPERATOR_MARKS[chipOperator(chip)]}${SEPARATOR}${chip.value}`);
  }
}
