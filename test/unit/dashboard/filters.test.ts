import { describe, expect, it } from 'vitest';
import {
  addChip,
  dimensionLabel,
  parseChips,
  removeChip,
  toV2Filters,
  writeChips,
} from '../../../dashboard/src/lib/filters';

const page = (value: string) => ({ dimension: 'event:page', value });

describe('filter chips', () => {
  it('become one `is` filter per dimension, values on one dimension being alternatives', () => {
    const chips = [page('/a'), { dimension: 'visit:country', value: 'DE' }, page('/b')];
    expect(toV2Filters(chips)).toEqual([
      ['is', 'event:page', ['/a', '/b']],
      ['is', 'visit:country', ['DE']],
    ]);
  });

  it('give no filters when there are no chips', () => {
    expect(toV2Filters([])).toEqual([]);
  });

  it('are not added twice, and are removed one at a time', () => {
    const chips = addChip(addChip([], page('/a')), page('/a'));
    expect(chips).toEqual([page('/a')]);
    expect(removeChip([page('/a'), page('/b')], page('/a'))).toEqual([page('/b')]);
  });

  it('round-trip through the URL, values with any characters included', () => {
    const chips = [
      page('/a~b?c=1&d'),
      { dimension: 'visit:source', value: '' },
      page('<img src=x onerror=alert(1)>'),
      { dimension: 'event:props:plan', value: 'pro' },
    ];
    const search = new URLSearchParams('period=30d');
    writeChips(search, chips);
    const back = parseChips(new URLSearchParams(search.toString()));
    expect(back).toEqual(chips);
    expect(search.get('period')).toBe('30d');
  });

  it('ignore unknown dimensions and malformed entries in the URL', () => {
    const search = new URLSearchParams();
    search.append('f', 'visit:country~DE');
    search.append('f', "x'); DROP TABLE events;--~1");
    search.append('f', 'no-separator');
    search.append('f', '~/only-a-value');
    expect(parseChips(search)).toEqual([{ dimension: 'visit:country', value: 'DE' }]);
  });

  it('have readable labels', () => {
    expect(dimensionLabel('event:page')).toBe('Page');
    expect(dimensionLabel('visit:utm_campaign')).toBe('UTM campaign');
    expect(dimensionLabel('event:props:plan')).toBe('Property plan');
  });
});
