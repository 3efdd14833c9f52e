import { describe, expect, it } from 'vitest';
import { countryName, countryNameFiltersToCodes } from '../../../functions/stats/country-names';

describe('country names', () => {
  it('names codes in English and leaves unknown ones as they are', () => {
    expect(countryName('DE')).toBe('Germany');
    expect(countryName('US')).toBe('United States');
    expect(countryName('')).toBe('');
    expect(countryName('Q1')).toBe('Q1');
  });

  it('turns name filters into code filters, negated ones into is_not', () => {
    expect(
      countryNameFiltersToCodes([
        {
          kind: 'condition',
          op: 'is',
          dimension: 'visit:country_name',
          values: ['germany'],
          caseSensitive: false,
        },
        {
          kind: 'not',
          filter: {
            kind: 'condition',
            op: 'contains_not',
            dimension: 'visit:country_name',
            values: ['Austr'],
            caseSensitive: true,
          },
        },
      ]),
    ).toEqual([
      { kind: 'condition', op: 'is', dimension: 'visit:country', values: ['DE'], caseSensitive: true },
      {
        kind: 'not',
        filter: {
          kind: 'condition',
          op: 'is_not',
          dimension: 'visit:country',
          values: ['AT', 'AU'],
          caseSensitive: true,
        },
      },
    ]);
  });

  it('a name that matches no country matches nothing, not the unknown country', () => {
    const [filter] = countryNameFiltersToCodes([
      {
        kind: 'condition',
        op: 'matches',
        dimension: 'visit:country_name',
        values: ['^Atlantis$'],
        caseSensitive: true,
      },
    ]);
    expect(filter).toMatchObject({ dimension: 'visit:country', op: 'is' });
    expect(filter?.kind === 'condition' && filter.values).not.toContain('');
  });
});
