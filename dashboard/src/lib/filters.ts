/**
 * Filter chips: what a click on a panel row adds, how the chips sit in the URL
 * (`?f=event:page~/pricing`, repeated), and the Stats API filters they become.
 */

export interface FilterChip {
  /** A Stats API dimension, e.g. `event:page` or `visit:country`. */
  dimension: string;
  value: string;
}

/** A Stats API v2 filter: `[operator, dimension, values]`. */
export type V2Filter = [operator: 'is', dimension: string, values: string[]];

/** Dimensions a chip may name; anything else in a URL is ignored. */
const FILTERABLE = /^(event:(page|goal|name|hostname|props:[\w.-]{1,100})|visit:[a-z_]{2,30})$/;

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
  if (dimension.startsWith('event:props:')) return `Property ${dimension.slice('event:props:'.length)}`;
  return dimension;
}

/** Adds a chip unless the same one is there already. */
export function addChip(chips: readonly FilterChip[], chip: FilterChip): FilterChip[] {
  const exists = chips.some((c) => c.dimension === chip.dimension && c.value === chip.value);
  return exists ? [...chips] : [...chips, chip];
}

export function removeChip(chips: readonly FilterChip[], chip: FilterChip): FilterChip[] {
  return chips.filter((c) => !(c.dimension === chip.dimension && c.value === chip.value));
}

/**
 * The API's filters: chips on one dimension are alternatives (page A or page B: one `is` with
 * both values), chips on different dimensions all apply (the list is combined with `and`).
 */
export function toV2Filters(chips: readonly FilterChip[]): V2Filter[] {
  const byDimension = new Map<string, string[]>();
  for (const chip of chips) {
    const values = byDimension.get(chip.dimension) ?? [];
    if (!values.includes(chip.value)) values.push(chip.value);
    byDimension.set(chip.dimension, values);
  }
  return [...byDimension].map(([dimension, values]) => ['is', dimension, values]);
}

const SEPARATOR = '~';

/** Reads chips from the repeated `f` parameter; malformed entries are dropped. */
export function parseChips(search: URLSearchParams): FilterChip[] {
  let chips: FilterChip[] = [];
  for (const entry of search.getAll('f')) {
    const at = entry.indexOf(SEPARATOR);
    if (at <= 0) continue;
    const dimension = entry.slice(0, at);
    const value = entry.slice(at + 1);
    if (FILTERABLE.test(dimension) && value.length <= 2000) chips = addChip(chips, { dimension, value });
  }
  return chips;
}

export function writeChips(search: URLSearchParams, chips: readonly FilterChip[]): void {
  search.delete('f');
  for (const chip of chips) search.append('f', `${chip.dimension}${SEPARATOR}${chip.value}`);
}
