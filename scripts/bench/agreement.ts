/**
 * Do the rollups and sealed days answer as the raw table does? Each question of the dashboard
 * (and the visit metrics of its visit breakdowns) is asked twice through the Stats API's own
 * validator, planner and executor: once for the whole local days `[first, last]`, which the
 * planner answers from sealed days and hourly rollups, and once as the same span in date-times
 * (`first 00:00:00 … last 23:59:59`), which it answers from `events` alone.
 *
 * Counts must be equal: visits, pageviews, events, bounce rate, visit duration, views per visit,
 * scroll depth and time on page (per visit; a visit never spans two UTC days).
 * `visitors` is ClickHouse's `uniq`, which is exact up to 65,536 distinct ids and an estimate
 * beyond; the sealed days add each UTC day's estimate (visitor ids never repeat across days) where
 * the raw plan estimates the whole range at once, so visitors (and the percentages and conversion
 * rates built on them) may differ by the estimate's error (its standard error is about 0.4 % beyond
 * 65,536 ids: 1 / √65,536), and are compared within 2 %.
 */
import type { ReadableSite } from '../../functions/stats/access';
import { type Executor, runStatsQuery } from '../../functions/stats/run';
import type { SealedDay } from '../../functions/stats/seal';
import { parseQuery } from '../../functions/stats/validate';

/** Metrics read from `uniq` estimates (or derived from them). */
const ESTIMATED = new Set(['visitors', 'percentage', 'conversion_rate']);
export const ESTIMATE_TOLERANCE = 0.02;
/**
 * Percentages and conversion rates are answered to one decimal (Plausible's rounding): two
 * answers within the tolerance before rounding may round one step (0.1) apart.
 */
const ROUNDED = new Set(['percentage', 'conversion_rate']);
const ROUNDING_STEP = 0.1;

const VISIT_METRICS = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];

export interface Disagreement {
  question: string;
  row: string;
  metric: string;
  rollups: number | null;
  raw: number | null;
}

export interface AgreementFigures {
  questions: number;
  rows: number;
  values: number;
  /** Values of estimated metrics that differ within the tolerance. */
  estimatedDiffering: number;
  /** Largest relative difference of an estimated value. */
  largestEstimateError: number;
  disagreements: Disagreement[];
}

/** The questions compared: the dashboard's Stats API panels, and every visit metric per visit breakdown. */
export function agreementQuestions(): { name: string; body: Record<string, unknown> }[] {
  const breakdown = (dimension: string, metrics: string[]) => ({
    name: `${dimension} (${metrics.join(', ')})`,
    body: { metrics, dimensions: [dimension], pagination: { limit: 10_000 } },
  });
  return [
    { name: 'totals', body: { metrics: VISIT_METRICS } },
    { name: 'time:day', body: { metrics: VISIT_METRICS, dimensions: ['time:day'] } },
    breakdown('event:page', ['visitors', 'pageviews', 'scroll_depth', 'time_on_page']),
    breakdown('event:goal', ['visitors', 'events', 'conversion_rate']),
    ...[
      'visit:entry_page',
      'visit:exit_page',
      'visit:source',
      'visit:referrer',
      'visit:channel',
      'visit:utm_source',
      'visit:country',
      'visit:region',
      'visit:city',
      'visit:device',
      'visit:browser',
      'visit:os',
    ].map((dimension) => breakdown(dimension, VISIT_METRICS)),
  ];
}

type Row = { dimensions: string[]; metrics: (number | null)[] };

/** Compares the two answers of every question; see the file comment for what must match. */
export async function checkAgreement(
  execute: Executor,
  site: ReadableSite,
  days: { first: string; last: string },
  lookup: () => Promise<SealedDay[]>,
): Promise<AgreementFigures> {
  const figures: AgreementFigures = {
    questions: 0,
    rows: 0,
    values: 0,
    estimatedDiffering: 0,
    largestEstimateError: 0,
    disagreements: [],
  };
  for (const question of agreementQuestions()) {
    const ask = async (dateRange: string[]) => {
      const query = parseQuery({ site_id: site.domain, date_range: dateRange, ...question.body });
      const answer = await runStatsQuery(execute, site, query, Date.now(), { lookup });
      return answer.results as Row[];
    };
    const rollups = await ask([days.first, days.last]);
    const raw = await ask([`${days.first}T00:00:00`, `${days.last}T23:59:59`]);
    figures.questions += 1;
    const metrics = question.body.metrics as string[];
    const byKey = (rows: Row[]) => new Map(rows.map((row) => [row.dimensions.join(' | '), row.metrics]));
    const a = byKey(rollups);
    const b = byKey(raw);
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      figures.rows += 1;
      metrics.forEach((metric, i) => {
        figures.values += 1;
        const x = a.get(key)?.[i] ?? null;
        const y = b.get(key)?.[i] ?? null;
        if (x === y) return;
        if (ESTIMATED.has(metric) && x !== null && y !== null) {
          const error = Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1);
          figures.estimatedDiffering += 1;
          figures.largestEstimateError = Math.max(figures.largestEstimateError, error);
          if (error <= ESTIMATE_TOLERANCE) return;
          const slack = ROUNDED.has(metric) ? ROUNDING_STEP : 0;
          if (Math.abs(x - y) <= ESTIMATE_TOLERANCE * Math.max(Math.abs(x), Math.abs(y)) + slack + 1e-9)
            return;
        }
        figures.disagreements.push({ question: question.name, row: key, metric, rollups: x, raw: y });
      });
    }
  }
  return figures;
}
