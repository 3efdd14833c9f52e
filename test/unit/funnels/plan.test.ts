import { describe, expect, it } from 'vitest';
import { planFunnel, stepResults } from '../../../functions/funnels/plan';
import type { GoalDefinition } from '../../../functions/goals/goal';
import type { Filter } from '../../../functions/stats/validate';

const STEPS: GoalDefinition[] = [
  { kind: 'page', displayName: 'Visit /pricing', pagePath: '/pricing' },
  { kind: 'event', displayName: 'Signup', eventName: "Signup'; DROP TABLE events; --" },
];

describe('stepResults', () => {
  it('turns visitors per furthest step into visitors per step, conversion and drop-off', () => {
    // 3 stopped at step 1, 1 at step 2, 2 finished: steps reached 6, 3, 2.
    const rows = [
      { level: 1, visitors: 3 },
      { level: 2, visitors: 1 },
      { level: 3, visitors: 2 },
    ];
    expect(stepResults(rows, 3)).toEqual([
      { visitors: 6, conversion_rate: 100, conversion_rate_step: 100, dropoff: 0, dropoff_percentage: 0 },
      { visitors: 3, conversion_rate: 50, conversion_rate_step: 50, dropoff: 3, dropoff_percentage: 50 },
      {
        visitors: 2,
        conversion_rate: 33.3,
        conversion_rate_step: 66.7,
        dropoff: 1,
        dropoff_percentage: 33.3,
      },
    ]);
  });

  it('answers zeros, not NaN, when nobody entered or a step is empty', () => {
    expect(stepResults([], 2)).toEqual([
      { visitors: 0, conversion_rate: 0, conversion_rate_step: 0, dropoff: 0, dropoff_percentage: 0 },
      { visitors: 0, conversion_rate: 0, conversion_rate_step: 0, dropoff: 0, dropoff_percentage: 0 },
    ]);
    expect(stepResults([{ level: 1, visitors: 4 }], 3).map((s) => s.visitors)).toEqual([4, 0, 0]);
    expect(stepResults([{ level: 1, visitors: 4 }], 3)[2]).toMatchObject({
      dropoff: 0,
      dropoff_percentage: 0,
    });
  });
});

describe('planFunnel', () => {
  it('passes goal values as parameters and reads only events that complete a step', () => {
    const plan = planFunnel({
      siteId: 7,
      range: { from: 1_760_000_000, to: 1_760_086_400 },
      steps: STEPS,
      filters: [],
    });
    expect(plan.sql).not.toContain('DROP TABLE');
    expect(Object.values(plan.params)).toContain("Signup'; DROP TABLE events; --");
    expect(plan.sql).toContain('windowFunnel(86400)(e.timestamp, ');
    expect(plan.sql).toMatch(/AND \(\(e\.kind = 'pageview'.* OR \(e\.kind = 'custom'/);
    expect(plan.sql).not.toContain('session_id IN');
    expect(plan.params).toMatchObject({ site: 7, from: '2025-10-09 08:53:20', to: '2025-10-10 08:53:20' });
  });

  it('answers location, device and event filters in the same pass over events', () => {
    const country: Filter = {
      kind: 'condition',
      op: 'is',
      dimension: 'visit:country',
      values: ['DE'],
      caseSensitive: true,
    };
    const page: Filter = {
      kind: 'condition',
      op: 'is',
      dimension: 'event:page',
      values: ['/about'],
      caseSensitive: true,
    };
    const range = { from: 1_760_000_000, to: 1_760_086_400 };
    // A location is the same on every event of a visit: the step rows themselves answer it.
    const plan = planFunnel({ siteId: 7, range, steps: STEPS, filters: [country] });
    expect(plan.sql).not.toContain('session_id IN');
    expect(plan.sql).not.toContain('HAVING');
    expect(plan.sql).toContain('toStringCutToZero(e.country)');
    expect(Object.values(plan.params)).toContainEqual(['DE']);
    // An event dimension: the rows that pass are read beside the step rows; the visit needs one.
    const mixed = planFunnel({ siteId: 7, range, steps: STEPS, filters: [country, page] });
    expect(mixed.sql).not.toContain('session_id IN');
    expect(mixed.sql).toMatch(
      /GROUP BY e\.session_id HAVING max\(\(e\.kind IN \('pageview', 'custom'\) AND /,
    );
  });

  it('reads visits from visit_hours for dimensions that change within a visit', () => {
    const plan = planFunnel({
      siteId: 7,
      range: { from: 1_760_000_000, to: 1_760_086_400 },
      steps: STEPS,
      filters: [
        { kind: 'condition', op: 'is', dimension: 'visit:source', values: ['Google'], caseSensitive: true },
      ],
    });
    expect(plan.sql).toContain('e.session_id IN (SELECT s.session_id FROM (SELECT session_id');
    expect(plan.sql).not.toContain('HAVING');
  });
});
