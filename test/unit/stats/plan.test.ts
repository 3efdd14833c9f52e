import { describe, expect, it } from 'vitest';
import { dayRange, resolveRange } from '../../../functions/stats/dates';
import { chooseSource, type PlanInput, planQuery, planRecent } from '../../../functions/stats/plan';
import type { Filter } from '../../../functions/stats/validate';

const DAY = dayRange('2026-10-05', '2026-10-05', 'Europe/Berlin');

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    siteId: 42,
    timezone: 'Europe/Berlin',
    range: DAY,
    metrics: ['visitors'],
    dimensions: [],
    filters: [],
    orderBy: [],
    limit: 100,
    offset: 0,
    ...overrides,
  };
}

const is = (dimension: string, values: string[]): Filter => ({
  kind: 'condition',
  op: 'is',
  dimension,
  values,
  caseSensitive: true,
});

describe('chooseSource: rollups where they answer, raw events where they cannot', () => {
  const cases: [string, Partial<PlanInput>, string][] = [
    [
      'visit metrics, no breakdown',
      { metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'] },
      'sessions',
    ],
    [
      'a visit breakdown with a visit filter',
      { dimensions: ['visit:source'], filters: [is('visit:country', ['DE'])] },
      'sessions',
    ],
    [
      'a location breakdown (locations are visit columns)',
      { dimensions: ['visit:country'], metrics: ['visitors', 'visits', 'pageviews'] },
      'sessions',
    ],
    [
      'a device breakdown over time, filtered on devices',
      { dimensions: ['time:day', 'visit:device'], filters: [is('visit:device', ['Mobile'])] },
      'sessions',
    ],
    [
      'a location breakdown with bounce rate',
      { dimensions: ['visit:country'], metrics: ['bounce_rate'] },
      'sessions',
    ],
    [
      'a device breakdown filtered on location',
      { dimensions: ['visit:device'], filters: [is('visit:country', ['DE'])] },
      'sessions',
    ],
    [
      'minutes are finer than the rollups',
      { dimensions: ['time:minute', 'event:page'], metrics: ['pageviews'] },
      'raw',
    ],
    ['time buckets of visits', { dimensions: ['time:day'], metrics: ['visitors', 'pageviews'] }, 'sessions'],
    [
      'pages with scroll depth',
      { dimensions: ['event:page'], metrics: ['visitors', 'pageviews', 'scroll_depth'] },
      'pages',
    ],
    [
      'a page filter with page metrics',
      { filters: [is('event:page', ['/'])], metrics: ['pageviews'] },
      'pages',
    ],
    ['goals', { dimensions: ['event:goal'], metrics: ['visitors', 'events'] }, 'goals'],
    ['events need raw rows (the sessions rollup counts every kind)', { metrics: ['events'] }, 'raw'],
    [
      'visit durations in buckets',
      { dimensions: ['visit:duration_bucket'], metrics: ['visits'] },
      'sessions',
    ],
    [
      'exit rate by exit page, with a visit filter',
      {
        dimensions: ['visit:exit_page'],
        metrics: ['visits', 'exit_rate'],
        filters: [is('visit:country', ['DE'])],
      },
      'sessions',
    ],
    ['props are only in raw rows', { dimensions: ['event:props:plan'] }, 'raw'],
    [
      'a page filter with a visit breakdown',
      { dimensions: ['visit:source'], filters: [is('event:page', ['/'])] },
      'raw',
    ],
    [
      'a page breakdown with a visit filter',
      { dimensions: ['event:page'], filters: [is('visit:country', ['DE'])] },
      'raw',
    ],
    ['visits per page', { dimensions: ['event:page'], metrics: ['visits'] }, 'raw'],
    ['event names include pageviews', { dimensions: ['event:name'], metrics: ['events'] }, 'raw'],
    [
      'the realtime window is finer than an hour',
      { range: resolveRange({ kind: 'preset', preset: 'realtime' }, 'UTC', Date.now()) },
      'raw',
    ],
    [
      'a half-hour zone does not fit hourly buckets',
      { range: dayRange('2026-10-05', '2026-10-05', 'Asia/Kolkata'), timezone: 'Asia/Kolkata' },
      'raw',
    ],
  ];
  for (const [name, overrides, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      expect(chooseSource(input(overrides))).toBe(expected);
    });
  }
});

describe('planQuery: user values are parameters, never SQL text', () => {
  const EVIL = "x'); DROP TABLE events; -- {site:UInt32}";
  const allOps = (dimension: string): Filter[] =>
    (['is', 'is_not', 'contains', 'contains_not', 'matches', 'matches_not'] as const).map((op) => ({
      kind: 'condition',
      op,
      dimension,
      values: [EVIL, `${EVIL}2`],
      caseSensitive: op.length % 2 === 0,
    }));

  const plans: [string, Partial<PlanInput>][] = [
    ['sessions', { filters: allOps('visit:source'), dimensions: ['visit:country'] }],
    ['sessions', { filters: allOps('visit:browser'), dimensions: ['visit:browser', 'time:week'] }],
    ['pages', { filters: allOps('event:page'), metrics: ['pageviews'] }],
    ['goals', { filters: allOps('event:goal'), metrics: ['events'] }],
    // A breakdown filtered on its own dimension reads the sealed days.
    [
      'sealed',
      {
        filters: allOps('event:page'),
        dimensions: ['event:page'],
        metrics: ['pageviews'],
        sealed: [{ day: '2026-10-04', version: 7 }],
      },
    ],
    [
      'sealed',
      { filters: allOps('visit:source'), dimensions: ['visit:source'], metrics: ['visitors'], sealed: [] },
    ],
    [
      'raw',
      {
        filters: [
          { kind: 'or', filters: allOps(`event:props:${EVIL}`) },
          { kind: 'not', filter: { kind: 'and', filters: allOps('visit:entry_page') } },
        ],
        dimensions: [`event:props:${EVIL}`, 'visit:source', 'time:hour'],
        metrics: ['visitors', 'events', 'bounce_rate'],
      },
    ],
  ];
  for (const [source, overrides] of plans) {
    it(`${source}: no filter value or property key appears in the SQL; all travel as params`, () => {
      const plan = planQuery(input(overrides));
      expect(plan.source).toBe(source);
      expect(plan.sql).not.toContain('DROP');
      expect(plan.sql).not.toContain(EVIL);
      expect(plan.countSql).not.toContain('DROP');
      const values = JSON.stringify(Object.values(plan.params));
      expect(values).toContain('DROP TABLE events');
      // Every placeholder in the SQL has a parameter.
      for (const [, name] of plan.sql.matchAll(/\{(\w+):[^}]+\}/g)) {
        expect(plan.params, name).toHaveProperty(name as string);
      }
      // No quoted literal in the SQL except the fixed ones of the mapping module.
      const literals = [...plan.sql.matchAll(/'([^']*)'/g)].map((m) => m[1]);
      for (const literal of literals) {
        expect([
          '',
          'pageview',
          'custom',
          'engagement',
          'Direct / None',
          '(not set)',
          '(none)',
          '%Y-%m-%d %H:00:00',
          '%Y-%m-%d %H:%i:00',
          // The separator of the first-touch values in visit_hours (0x1F, escaped in the SQL).
          '\\x1F',
        ]).toContain(literal);
      }
    });
  }

  it('site, range, zone and paging are parameters too', () => {
    const plan = planQuery(input({ dimensions: ['time:day'], limit: 7, offset: 14 }));
    expect(plan.params).toMatchObject({
      site: 42,
      from: '2026-10-04 22:00:00',
      to: '2026-10-05 22:00:00',
      tz: 'Europe/Berlin',
      limit: 7,
      offset: 14,
    });
    expect(plan.sql).toContain('{site:UInt32}');
    expect(plan.sql).toContain('{tz:String}');
    expect(plan.sql).toContain('LIMIT {limit:UInt32} OFFSET {offset:UInt32}');
    expect(plan.sql).not.toContain('Europe/Berlin');
  });

  it('reads each rollup through its own table', () => {
    expect(planQuery(input()).sql).toContain('FROM visit_hours');
    expect(planQuery(input({ dimensions: ['event:page'], metrics: ['pageviews'] })).sql).toContain(
      'FROM pages_hourly',
    );
    expect(planQuery(input({ dimensions: ['event:goal'], metrics: ['events'] })).sql).toContain(
      'FROM events_hourly',
    );
    const raw = planQuery(input({ metrics: ['events'] })).sql;
    expect(raw).toContain('FROM events AS e');
    expect(raw).not.toContain('JOIN');
    expect(planQuery(input({ metrics: ['bounce_rate', 'events'] })).sql).toContain('INNER JOIN');
  });

  it('orders by time first, then by the first metric, and breaks ties by the dimensions', () => {
    expect(planQuery(input({ dimensions: ['visit:source', 'time:day'] })).sql).toContain(
      'ORDER BY d1 ASC, m_visitors DESC, d0 ASC, d1 ASC',
    );
    // The first metric as asked: percentage follows visitors, though pageviews comes first in the plan.
    expect(
      planQuery(
        input({ dimensions: ['visit:source'], metrics: ['pageviews', 'visitors'], rankBy: 'percentage' }),
      ).sql,
    ).toContain('ORDER BY m_visitors DESC, d0 ASC');
    expect(planQuery(input({ dimensions: ['visit:source'], metrics: ['visits', 'visitors'] })).sql).toContain(
      'ORDER BY m_visits DESC, d0 ASC',
    );
    expect(
      planQuery(input({ dimensions: ['visit:source'], orderBy: [['visit:source', 'desc']] })).sql,
    ).toContain('ORDER BY d0 DESC, d0 ASC');
  });
});

describe('exit_rate: pageviews of the page joined as x', () => {
  const byExit = (overrides: Partial<PlanInput> = {}) =>
    planQuery(input({ dimensions: ['visit:exit_page'], metrics: ['visits', 'exit_rate'], ...overrides })).sql;

  it('from the page rollup without filters, or with a filter on the exit page alone', () => {
    for (const sql of [byExit(), byExit({ filters: [is('visit:exit_page', ['/a'])] })]) {
      expect(sql).toContain(
        'LEFT JOIN (SELECT p.pathname AS page, sum(p.pageviews) AS pageviews FROM pages_hourly',
      );
      expect(sql).toContain('AS x ON x.page = s.exit_page');
    }
  });

  it('from raw pageviews of the visits that pass the other filters', () => {
    const sql = byExit({ filters: [is('visit:exit_page', ['/a']), is('visit:country', ['DE'])] });
    expect(sql).toContain('FROM events AS e INNER JOIN (SELECT session_id');
    expect(sql).toContain("e.kind = 'pageview'");
    // The exit page filter is in the visit rows' WHERE, not in the pageviews' (two country tests).
    expect(sql.match(/\}, s\.exit_page\)/g)).toHaveLength(1);
    expect(sql.match(/s\.country\)/g)).toHaveLength(2);
  });

  it('joins to the raw plan by its exit page column', () => {
    const range = { from: DAY.from, to: DAY.to - 1, precise: true } as PlanInput['range'];
    expect(byExit({ range })).toContain('FROM events AS e WHERE');
    expect(byExit({ range })).toContain('AS x ON x.page = r.d0');
  });

  it('is not asked of other plans', () => {
    expect(byExit({ metrics: ['visits'] })).not.toContain('AS x');
  });

  it('sealed days answer it: exits from the exit page rows, the base from the page rows', () => {
    const sealed = [{ day: '2026-10-05', version: 1 }];
    const range = dayRange('2026-10-05', '2026-10-06', 'UTC');
    const plan = planQuery(
      input({
        dimensions: ['visit:exit_page'],
        metrics: ['visits', 'exit_rate'],
        sealed,
        range,
        timezone: 'UTC',
      }),
    );
    expect(plan.source).toBe('sealed');
    expect(plan.sql).toContain('sum(u.visits) / sum(u.exit_base)');
    expect(plan.sql).toContain('HAVING sum(u.visits) > 0');
    // The unsealed day's pageviews from the page rollup.
    expect(plan.sql).toContain('toUInt64(sum(pageviews)) AS exit_base');
    expect(Object.values(plan.params)).toContain('page');
  });
});

describe('visit:duration_bucket', () => {
  it('is left to the hourly rollups: days sealed before it existed lack it', () => {
    const sealed = [{ day: '2026-10-05', version: 1 }];
    const plan = planQuery(input({ dimensions: ['visit:duration_bucket'], metrics: ['visits'], sealed }));
    expect(plan.source).toBe('sessions');
    expect(plan.sql).toContain('multiIf((toInt64(max(ended_at)) - toInt64(min(started_at))) < 10, 0,');
  });
});

describe('planRecent', () => {
  const now = Date.parse('2026-10-05T12:00:00Z') / 1000;
  const recent = (overrides: Partial<PlanInput> = {}): PlanInput =>
    input({ range: { from: now - 1800, to: now, precise: true } as PlanInput['range'], ...overrides });

  it('scans events once for several short ranges, every value a parameter', () => {
    const plan = planRecent([
      recent({ range: { from: now - 300, to: now, precise: true } as PlanInput['range'] }),
      recent({ dimensions: ['time:minute'], metrics: ['visitors', 'pageviews'] }),
    ]);
    expect(plan).not.toBeNull();
    expect(plan?.sql.match(/FROM events AS e/g)).toHaveLength(1);
    expect(plan?.sql).not.toContain('2026-10-05');
    expect(plan?.sql).not.toContain('Europe/Berlin');
    expect(plan?.params).toMatchObject({ from: '2026-10-05 11:30:00', to: '2026-10-05 12:00:00', site: 42 });
    expect(Object.values(plan?.params ?? {})).toContain('2026-10-05 11:55:00');
  });

  it('leaves to their own plans what one count per visit cannot answer', () => {
    expect(planRecent([recent({ metrics: ['bounce_rate'] })])).toBeNull();
    expect(planRecent([recent({ metrics: ['time_on_page'] })])).toBeNull();
    expect(planRecent([recent({ dimensions: ['event:page'] })])).toBeNull();
    expect(planRecent([recent({ filters: [is('event:page', ['/'])] })])).toBeNull();
    expect(planRecent([recent({ orderBy: [['visitors', 'desc']] })])).toBeNull();
    expect(planRecent([recent({ offset: 10 })])).toBeNull();
  });
});
