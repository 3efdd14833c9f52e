import { describe, expect, it } from 'vitest';
import {
  addChip,
  chipGroups,
  dimensionLabel,
  parseChips,
  removeChip,
  replaceGroup,
  toV2Filters,
  type V2Filter,
  writeChips,
} from '../../../dashboard/src/lib/filters';
import { applySegment, filtersToSave, segmentName } from '../../../dashboard/src/lib/segments';

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

describe('filter chips with operators and segments', () => {
  const not = (value: string) => ({ dimension: 'event:page', value, op: 'is_not' as const });

  it('become one filter per dimension and operator', () => {
    const chips = [
      page('/a'),
      not('/b'),
      { dimension: 'visit:source', value: 'oogl', op: 'contains' as const },
      not('/c'),
      { dimension: 'segment', value: '12' },
    ];
    expect(toV2Filters(chips)).toEqual([
      ['is', 'event:page', ['/a']],
      ['is_not', 'event:page', ['/b', '/c']],
      ['contains', 'visit:source', ['oogl']],
      ['is', 'segment', ['12']],
    ]);
  });

  it('tell "is" from "is not" on the same value', () => {
    const chips = addChip([page('/a')], not('/a'));
    expect(chips).toEqual([page('/a'), not('/a')]);
    expect(removeChip(chips, page('/a'))).toEqual([not('/a')]);
  });

  it('round-trip through the URL with their operators, old links still reading as "is"', () => {
    const chips = [
      page('/a'),
      not('/b!'),
      { dimension: 'visit:source', value: '*x*', op: 'contains' as const },
      { dimension: 'event:props:plan', value: '~pro', op: 'contains_not' as const },
      { dimension: 'segment', value: '7' },
    ];
    const search = new URLSearchParams();
    writeChips(search, chips);
    expect(search.getAll('f')).toEqual([
      'event:page~/a',
      'event:page!~/b!',
      'visit:source*~*x*',
      'event:props:plan!*~~pro',
      'segment~7',
    ]);
    expect(parseChips(new URLSearchParams(search.toString()))).toEqual(chips);
  });

  it('drop a segment chip that is not a plain id, or not "is"', () => {
    const search = new URLSearchParams();
    for (const f of ['segment~abc', 'segment!~3', 'segment~0', 'segment~42']) search.append('f', f);
    expect(parseChips(search)).toEqual([{ dimension: 'segment', value: '42' }]);
  });

  it('are edited a filter at a time: replaced in place, added, or removed when left without values', () => {
    const chips = [page('/a'), { dimension: 'visit:country', value: 'DE' }, page('/b')];
    const groups = chipGroups(chips);
    expect(groups).toEqual([
      { dimension: 'event:page', op: 'is', values: ['/a', '/b'] },
      { dimension: 'visit:country', op: 'is', values: ['DE'] },
    ]);
    const edited = replaceGroup(chips, groups[0] ?? null, {
      dimension: 'event:page',
      op: 'is_not',
      values: ['/x'],
    });
    expect(edited).toEqual([not('/x'), { dimension: 'visit:country', value: 'DE' }]);
    const added = replaceGroup(edited, null, { dimension: 'visit:device', op: 'is', values: ['Mobile'] });
    expect(added.at(-1)).toEqual({ dimension: 'visit:device', value: 'Mobile' });
    const removed = replaceGroup(
      added,
      { dimension: 'visit:country', op: 'is' },
      {
        dimension: 'visit:country',
        op: 'is',
        values: [],
      },
    );
    expect(toV2Filters(removed)).toEqual([
      ['is_not', 'event:page', ['/x']],
      ['is', 'visit:device', ['Mobile']],
    ]);
  });
});

describe('segments on the dashboard', () => {
  const segment = {
    id: 5,
    name: 'US mobile',
    scope: 'site' as const,
    filters: [['is', 'visit:country', ['US']]] as V2Filter[],
    mine: true,
    created_at: '',
    updated_at: '',
  };

  it('apply as one segment chip, and save with an applied segment written out', () => {
    const applied = applySegment(segment);
    expect(applied).toEqual([{ dimension: 'segment', value: '5' }]);
    const narrowed = [...applied, { dimension: 'visit:device', value: 'Mobile' }];
    expect(filtersToSave(narrowed, [segment])).toEqual([
      ['is', 'visit:country', ['US']],
      ['is', 'visit:device', ['Mobile']],
    ]);
    expect(segmentName([segment], '5')).toBe('US mobile');
    expect(segmentName([segment], '6')).toBe('#6');
  });
});
