import { describe, expect, it } from 'vitest';
import type { GoalDefinition } from '../../../functions/goals/goal';
import { dayRange } from '../../../functions/stats/dates';
import { type PlanInput, planQuery } from '../../../functions/stats/plan';
import { planRevenue, revenueValue, rowCurrency } from '../../../functions/stats/revenue';
import { type Filter, parseQuery } from '../../../functions/stats/validate';

const GOALS: GoalDefinition[] = [
  { kind: 'revenue', eventName: 'Purchase', currency: 'EUR', displayName: 'Purchase' },
  { kind: 'revenue', eventName: 'Renew', currency: 'EUR', displayName: 'Renewal' },
  { kind: 'revenue', eventName: 'Subscribe', currency: 'USD', displayName: 'Subscribe' },
  { kind: 'event', eventName: 'Signup', displayName: 'Signup' },
];

const goal = (op: 'is' | 'contains', values: string[], caseSensitive = true): Filter => ({
  kind: 'condition',
  op,
  dimension: 'event:goal',
  values,
  caseSensitive,
});

describe('planRevenue: which currency, as Plausible decides', () => {
  it('reads nothing when no revenue metric is asked', () => {
    expect(planRevenue(['visitors'], ['event:goal'], [], GOALS)).toEqual({ kind: 'none' });
  });

  it('per goal with an event:goal breakdown, null for goals without revenue', () => {
    const plan = planRevenue(['total_revenue'], ['visit:source', 'event:goal'], [], GOALS);
    expect(rowCurrency(plan, ['Google', 'Purchase'])).toBe('EUR');
    expect(rowCurrency(plan, ['Google', 'Subscribe'])).toBe('USD');
    expect(rowCurrency(plan, ['Google', 'Signup'])).toBeNull();
  });

  it('one currency for the revenue goals the top-level goal filters keep', () => {
    const euro = planRevenue(
      ['total_revenue'],
      ['visit:source'],
      [goal('is', ['Purchase', 'Renewal'])],
      GOALS,
    );
    expect(euro).toEqual({ kind: 'single', currency: 'EUR' });
    expect(rowCurrency(euro, ['Google'])).toBe('EUR');
    // contains, case-insensitively: "re" keeps Purchase and Renewal (both EUR), not Subscribe.
    expect(planRevenue(['average_revenue'], [], [goal('contains', ['RE'], false)], GOALS)).toEqual({
      kind: 'single',
      currency: 'EUR',
    });
  });

  it('warns for two currencies without a goal breakdown, and for no revenue goal', () => {
    expect(planRevenue(['total_revenue'], [], [goal('is', ['Purchase', 'Subscribe'])], GOALS)).toEqual({
      kind: 'warning',
      code: 'no_single_revenue_currency',
    });
    expect(planRevenue(['total_revenue'], [], [goal('is', ['Signup'])], GOALS)).toEqual({
      kind: 'warning',
      code: 'no_revenue_goals_matching',
    });
    expect(planRevenue(['total_revenue'], ['event:goal'], [], undefined)).toEqual({
      kind: 'warning',
      code: 'no_revenue_goals_matching',
    });
  });

  it('rounds a value to its currency minor unit', () => {
    expect(revenueValue(1234.567, 'EUR')).toEqual({
      value: 1234.57,
      currency: 'EUR',
      short: '€1.2K',
      long: '€1,234.57',
    });
    expect(revenueValue(1234.56, 'JPY').value).toBe(1235);
  });
});

describe('planning has_done and revenue', () => {
  const base: PlanInput = {
    siteId: 42,
    timezone: 'UTC',
    range: dayRange('2026-10-05', '2026-10-05', 'UTC'),
    metrics: ['visitors'],
    dimensions: [],
    filters: [],
    orderBy: [],
    limit: 100,
    offset: 0,
  };

  it('a behavioural filter goes to raw events, its values as parameters only', () => {
    const { filters } = parseQuery({
      site_id: 'x.example',
      metrics: ['visitors'],
      date_range: '7d',
      filters: [['has_not_done', ['is', "event:props:plan'); DROP", ["x' OR 1=1 --"]]]],
    });
    const plan = planQuery({ ...base, dimensions: ['visit:source'], filters, sealed: [] });
    expect(plan.source).toBe('raw');
    expect(plan.sql).toContain('e.session_id NOT IN (SELECT e.session_id FROM events AS e');
    expect(plan.sql).not.toContain('DROP');
    expect(plan.sql).not.toContain('1=1');
    expect(Object.values(plan.params)).toContainEqual(["x' OR 1=1 --"]);
  });

  it('revenue columns come from the revenue goals’ own events, beside the rollups or in the raw plan', () => {
    // Unfiltered: the event-name rollup counts each goal, and only custom events are read for money.
    const plan = planQuery({ ...base, dimensions: ['event:goal'], goals: GOALS, revenue: ['total_revenue'] });
    expect(plan.source).toBe('goals');
    expect(plan.sql).toContain('AS m_total_revenue');
    expect(plan.sql).toContain("e.kind = 'custom' AND has(");
    expect(plan.sql).not.toContain('EUR');
    // Under a filter the raw plan answers.
    const filtered = planQuery({
      ...base,
      dimensions: ['event:goal'],
      goals: GOALS,
      revenue: ['total_revenue'],
      filters: [
        { kind: 'condition', op: 'is', dimension: 'visit:country', values: ['DE'], caseSensitive: true },
      ],
    });
    expect(filtered.source).toBe('raw');
    expect(filtered.sql).toContain('sumIf(e.revenue_amount');
    expect(filtered.sql).not.toContain('EUR');
  });
});
