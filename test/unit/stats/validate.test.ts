import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../functions/errors';
import { parseQuery } from '../../../functions/stats/validate';

function refusal(body: unknown): string {
  try {
    parseQuery(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).code).toBe('invalid_query');
    return (error as ApiError).message;
  }
  throw new Error('expected a refusal');
}

const base = { site_id: 'example.com', metrics: ['visitors'], date_range: '7d' };

describe('parseQuery', () => {
  it('normalises a minimal query with defaults', () => {
    expect(parseQuery(base)).toEqual({
      siteRef: 'example.com',
      metrics: ['visitors'],
      dateRange: { kind: 'preset', preset: '7d' },
      dimensions: [],
      filters: [],
      orderBy: [],
      include: { timeLabels: false, totalRows: false, comparison: null },
      pagination: { limit: 10_000, offset: 0 },
    });
  });

  it('reads filters with options, logic and numeric values', () => {
    const query = parseQuery({
      ...base,
      filters: [
        ['is', 'visit:country', ['DE'], { case_sensitive: false }],
        [
          'or',
          [
            ['contains', 'event:page', ['/blog']],
            ['not', ['is', 'event:props:year', [2026]]],
          ],
        ],
      ],
    });
    expect(query.filters).toEqual([
      { kind: 'condition', op: 'is', dimension: 'visit:country', values: ['DE'], caseSensitive: false },
      {
        kind: 'or',
        filters: [
          {
            kind: 'condition',
            op: 'contains',
            dimension: 'event:page',
            values: ['/blog'],
            caseSensitive: true,
          },
          {
            kind: 'not',
            filter: {
              kind: 'condition',
              op: 'is',
              dimension: 'event:props:year',
              values: ['2026'],
              caseSensitive: true,
            },
          },
        ],
      },
    ]);
  });

  it('accepts custom dates, date-times and comparisons', () => {
    expect(parseQuery({ ...base, date_range: ['2026-10-01', '2026-10-31'] }).dateRange).toEqual({
      kind: 'custom',
      from: '2026-10-01',
      to: '2026-10-31',
    });
    expect(
      parseQuery({ ...base, date_range: ['2026-10-01T08:00', '2026-10-01T17:59:59+02:00'] }).dateRange.kind,
    ).toBe('custom');
    expect(
      parseQuery({
        ...base,
        include: { comparisons: { mode: 'custom', date_range: ['2025-10-01', '2025-10-31'] } },
      }).include.comparison,
    ).toEqual({ mode: 'custom', dateRange: { kind: 'custom', from: '2025-10-01', to: '2025-10-31' } });
  });

  it('names the bad field', () => {
    expect(refusal(null)).toMatch(/^body: /);
    expect(refusal({ ...base, site_id: '' })).toMatch(/^site_id: /);
    expect(refusal({ ...base, metrics: ['visitors', 'visitors'] })).toMatch(
      /^metrics\[1\]: visitors is listed twice/,
    );
    expect(refusal({ ...base, date_range: ['2026-10-01', '2026-10-01T10:00'] })).toMatch(
      /^date_range: expected two/,
    );
    expect(refusal({ ...base, dimensions: ['event:props:'] })).toMatch(/^dimensions\[0\]: unknown dimension/);
    expect(refusal({ ...base, dimensions: [`event:props:${'k'.repeat(301)}`] })).toMatch(/^dimensions\[0\]/);
    expect(refusal({ ...base, filters: [['is', 'time:day', ['2026-10-01']]] })).toMatch(
      /^filters\[0\]\[1\]: /,
    );
    expect(refusal({ ...base, filters: [['and', []]] })).toMatch(/^filters\[0\]: expected \["and"/);
    expect(refusal({ ...base, filters: [['is', 'event:page', ['/'], { exact: true }]] })).toMatch(
      /^filters\[0\]\[3\]/,
    );
    expect(refusal({ ...base, filters: [['is', 'event:page', [{}]]] })).toMatch(/^filters\[0\]\[2\]\[0\]/);
    expect(refusal({ ...base, pagination: { limit: 10, page: 2 } })).toMatch(/^pagination\.page: unknown/);
    expect(refusal({ ...base, include: { comparisons: { mode: 'custom' } } })).toMatch(
      /^include\.comparisons\.date_range: /,
    );
  });

  it('caps the size of filter trees', () => {
    let deep: unknown = ['is', 'event:page', ['/']];
    for (let i = 0; i < 6; i++) deep = ['not', deep];
    expect(refusal({ ...base, filters: [deep] })).toMatch(/nest at most 5 deep/);
    const wide = Array.from({ length: 51 }, () => ['is', 'event:page', ['/']]);
    expect(refusal({ ...base, filters: wide })).toMatch(/^filters: at most 50/);
    expect(refusal({ ...base, filters: [['is', 'event:page', Array(101).fill('/')]] })).toMatch(
      /1 to 100 values/,
    );
  });
});
