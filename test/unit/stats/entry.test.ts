import { describe, expect, it } from 'vitest';
import { dayRange } from '../../../functions/stats/dates';
import { type PlanInput, planQuery } from '../../../functions/stats/plan';
import type { Filter } from '../../../functions/stats/validate';

/** Plausible's entry rules for bounce rate and duration (functions/stats/plan/entry.ts) in the SQL. */
function input(overrides: Partial<PlanInput>): PlanInput {
  return {
    siteId: 42,
    timezone: 'UTC',
    range: dayRange('2026-10-05', '2026-10-05', 'UTC'),
    metrics: ['visits', 'bounce_rate', 'visit_duration'],
    dimensions: [],
    filters: [],
    orderBy: [],
    limit: 100,
    offset: 0,
    ...overrides,
  };
}

const page = (op: 'is' | 'contains_not', values: string[]): Filter => ({
  kind: 'condition',
  op,
  dimension: 'event:page',
  values,
  caseSensitive: true,
});

const HOSTILE = "/a'); DROP TABLE events; --";

describe('entry rules in the raw plan', () => {
  it('a top-level page filter narrows bounce_rate to the entry page, its values as parameters', () => {
    const plan = planQuery(input({ filters: [page('is', [HOSTILE])] }));
    expect(plan.source).toBe('raw');
    expect(plan.sql).toMatch(
      /toUInt8\(\(has\(\{p\d+:Array\(String\)\}, any\(s\.entry_page\)\)\)\) AS s_bounce_base/,
    );
    // Duration keeps every visit with a matching event.
    expect(plan.sql).toContain('1 AS s_duration_base');
    expect(plan.sql).toContain('argMinMerge(entry_page) AS entry_page');
    expect(plan.sql).not.toContain('DROP');
    expect(Object.values(plan.params)).toContainEqual([HOSTILE]);
  });

  it('a negated operator applies to the entry page the same way', () => {
    const plan = planQuery(input({ filters: [page('contains_not', ['blog'])] }));
    expect(plan.sql).toMatch(
      /toUInt8\(NOT \(multiSearchAny\(any\(s\.entry_page\), \{p\d+:Array\(String\)\}\)\)\) AS s_bounce_base/,
    );
  });

  it('a page filter inside not / or narrows nothing (Plausible reads top-level filters only)', () => {
    const nested: Filter = { kind: 'not', filter: page('is', ['/a']) };
    const plan = planQuery(input({ filters: [nested] }));
    expect(plan.sql).toContain('1 AS s_bounce_base');
    expect(plan.sql).not.toContain('entry_page');
  });

  it('a page breakdown counts the visits that entered on each page for both metrics', () => {
    const plan = planQuery(input({ dimensions: ['event:page'] }));
    expect(plan.sql).toContain('toUInt8(any(s.entry_page) = e.pathname) AS s_bounce_base');
    expect(plan.sql).toContain('toUInt8(any(s.entry_page) = e.pathname) AS s_duration_base');
  });

  it('leaves plans without these metrics alone', () => {
    const plan = planQuery(input({ metrics: ['visits', 'views_per_visit'], filters: [page('is', ['/a'])] }));
    expect(plan.sql).not.toContain('entry_page');
  });
});
