import { describe, expect, it } from 'vitest';
import type { GoalDefinition } from '../../../functions/goals/goal';
import { patternRegex } from '../../../functions/goals/match';
import { dayRange } from '../../../functions/stats/dates';
import { type PlanInput, planCombined, planQuery } from '../../../functions/stats/plan';
import { excludedPathMatcher } from '../../../workers/ingest/drop/excluded-path';

describe('patternRegex: a page pattern as an anchored RE2 expression', () => {
  const patterns = ['/blog/**', '/docs/*/install', '/pricing', '/a.b/(x)/*', '/*/*', '/**/end', '/x*y'];
  const paths = [
    '/blog',
    '/blog/',
    '/blog/a',
    '/blog/a/b',
    '/blogger',
    '/docs/api/install',
    '/docs/api/v2/install',
    '/docs//install',
    '/pricing',
    '/pricing/',
    '/a.b/(x)/1',
    '/aXb/(x)/1',
    '/one/two',
    '/one/two/three',
    '/end',
    '/a/b/end',
    '/xy',
    '/x/y',
    '/xabcy',
  ];
  it('matches exactly the paths the excluded-path matcher matches (one rule for both)', () => {
    for (const pattern of patterns) {
      const regex = new RegExp(patternRegex(pattern));
      const matcher = excludedPathMatcher([pattern]);
      for (const path of paths) {
        expect({ pattern, path, match: regex.test(path) }).toEqual({
          pattern,
          path,
          match: matcher.test(path),
        });
      }
    }
  });
});

describe('the planner with configured goals', () => {
  const goals: GoalDefinition[] = [
    { kind: 'event', displayName: "Signup'); DROP TABLE events; --", eventName: 'Signup' },
    { kind: 'page', displayName: 'Visit /blog/**', pagePath: '/blog/**' },
    { kind: 'scroll', displayName: 'Scroll', pagePath: '/blog/**', scrollThreshold: 90 },
  ];
  const base: PlanInput = {
    siteId: 42,
    timezone: 'UTC',
    range: dayRange('2026-10-05', '2026-10-05', 'UTC'),
    metrics: ['visitors', 'events'],
    dimensions: ['event:goal'],
    filters: [],
    orderBy: [],
    limit: 100,
    offset: 0,
    sealed: [{ day: '2026-10-05', version: 1 }],
    goals,
  };

  it('reads raw events for event:goal, even over sealed days, with names and patterns as parameters', () => {
    const plan = planQuery(base);
    expect(plan.source).toBe('raw');
    expect(plan.sql).toContain('ARRAY JOIN');
    expect(plan.sql).toContain("'engagement'");
    expect(plan.sql).not.toContain('Signup');
    expect(plan.sql).not.toContain('blog');
    expect(Object.values(plan.params)).toContainEqual(goals.map((g) => g.displayName));
    expect(Object.values(plan.params)).toContain('^/blog/.*$');
    expect(planCombined([base])).toBeNull();
    const filtered = planQuery({
      ...base,
      dimensions: [],
      filters: [
        { kind: 'condition', op: 'is', dimension: 'event:goal', values: ['Scroll'], caseSensitive: true },
      ],
    });
    expect(filtered.source).toBe('raw');
  });

  it('plans as before when the query does not name event:goal, or the site has no goals', () => {
    const { goals: _goals, ...without } = base;
    expect(planQuery({ ...base, dimensions: ['visit:source'], metrics: ['visitors'] })).toEqual(
      planQuery({ ...without, dimensions: ['visit:source'], metrics: ['visitors'] }),
    );
    expect(planQuery({ ...base, goals: [] })).toEqual(planQuery(without));
    expect(planQuery(without).source).not.toBe('raw');
  });
});
