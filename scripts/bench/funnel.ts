/**
 * Funnel benchmark: the wall time of `POST /api/v2/funnel`'s answer (functions/funnels/answer.ts:
 * the site's visitors from the rollups and the funnel's levels from raw events, at once) for a
 * 3-step funnel — Visit /pricing → Signup → Purchase, goals the seed produces — over 30 days of the
 * big seeded site; unfiltered, with a visit filter and with an event filter. HTTP, authentication
 * and D1 are left out, as in the dashboard benchmark's in-process column.
 *
 * `npm run bench` runs it inside the dashboard section (scripts/bench/dashboard.ts calls
 * {@link benchFunnel} on its warm tables). Alone: `npx tsx scripts/bench/funnel.ts [--url URL]`,
 * against `--url` / BENCH_CLICKHOUSE_URL, or else the dashboard benchmark's chDB data directory
 * (BENCH_CLICKHOUSE_DIR), which that benchmark must have seeded first.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@clickhouse/client-web';
import { answerFunnel, type FunnelResponse } from '../../functions/funnels/answer';
import type { GoalDefinition } from '../../functions/goals/goal';
import type { ReadableSite } from '../../functions/stats/access';
import type { Executor } from '../../functions/stats/run';
import { sealedDays } from '../../functions/stats/seal';
import { parseQuery } from '../../functions/stats/validate';
import { startClickHouseServer } from '../../tools/clickhouse/server';
import { SESSION_SETTINGS } from '../../workers/clickhouse/settings';
import { BIG_SITE_DOMAIN, FIRST_SEED_SITE_ID } from '../lib/seed-catalog';
import { clickhouseRequest, seededRows } from '../seed';
import { type Timings, timings } from './timings';

/** Steps the seeded traffic reaches (scripts/lib/seed-catalog.ts: top pages and goal events). */
export const BENCH_FUNNEL: readonly GoalDefinition[] = [
  { kind: 'page', displayName: 'Visit /pricing', pagePath: '/pricing' },
  { kind: 'event', displayName: 'Signup', eventName: 'Signup' },
  { kind: 'revenue', displayName: 'Purchase', eventName: 'Purchase', currency: 'USD' },
];

const VARIANTS: { name: string; filters: unknown[] }[] = [
  { name: 'no filters', filters: [] },
  { name: 'visit filter (visit:device is Desktop)', filters: [['is', 'visit:device', ['Desktop']]] },
  { name: 'event filter (event:page is /features)', filters: [['is', 'event:page', ['/features']]] },
];

export interface FunnelFigures {
  range: [string, string];
  iterations: number;
  /** The unfiltered answer, for the figures beside the timings. */
  answer: FunnelResponse;
  variants: { name: string; timings: Timings }[];
}

/** Times the funnel answer for each variant (after one warm-up each); milliseconds. */
export async function benchFunnel(options: {
  execute: Executor;
  site: ReadableSite;
  range: [string, string];
  iterations: number;
  log?: (line: string) => void;
}): Promise<FunnelFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { execute, site, range } = options;
  // Looked up once, as a warm Worker isolate remembers them (SEALED_CACHE_SECONDS).
  const sealed = await sealedDays(execute, site.id);
  const lookup = async () => sealed;
  let answer: FunnelResponse | null = null;
  const variants: FunnelFigures['variants'] = [];
  for (const variant of VARIANTS) {
    const query = parseQuery({
      site_id: site.domain,
      metrics: ['visitors'],
      date_range: range,
      filters: variant.filters,
    });
    const run = () =>
      answerFunnel(execute, site, query, { funnel: null, steps: BENCH_FUNNEL }, Date.now(), lookup);
    const first = await run();
    answer ??= first;
    const walls: number[] = [];
    for (let i = 0; i < options.iterations; i++) {
      const started = performance.now();
      await run();
      walls.push(performance.now() - started);
    }
    const t = timings(walls);
    log(`  funnel, ${variant.name}: p50 ${t.p50.toFixed(0)} ms, p95 ${t.p95.toFixed(0)} ms`);
    variants.push({ name: variant.name, timings: t });
  }
  if (!answer) throw new Error('no funnel answer');
  return { range, iterations: options.iterations, answer, variants };
}

/** The funnel part of the report (a subsection of the dashboard's). */
export function funnelLines(f: FunnelFigures): string[] {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    '### Funnel',
    '',
    `\`POST /api/v2/funnel\`'s answer (functions/funnels/answer.ts, in-process: no HTTP, authentication or D1) for ${BENCH_FUNNEL.map((g) => g.displayName).join(' → ')} over ${f.range[0]} … ${f.range[1]} of the big seeded site: the site's visitors from the rollups and, at the same time, \`windowFunnel\` per visit over the raw events that complete a step. ${f.iterations} answers per row after one warm-up.`,
    '',
    '| funnel query | p50 | p95 | fastest / slowest |',
    '|---|---|---|---|',
    ...f.variants.map(
      (v) =>
        `| ${v.name} | ${ms(v.timings.p50)} | ${ms(v.timings.p95)} | ${ms(v.timings.min)} / ${ms(v.timings.max)} |`,
    ),
    '',
    `Unfiltered answer: ${n(f.answer.meta.all_visitors)} visitors, ${f.answer.steps.map((s) => `${s.goal} ${n(s.visitors)} (${s.conversion_rate} %)`).join(', ')}.`,
    '',
  ];
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const urlAt = process.argv.indexOf('--url');
  const externalUrl = urlAt === -1 ? process.env.BENCH_CLICKHOUSE_URL : process.argv[urlAt + 1];
  const password = process.env.BENCH_CLICKHOUSE_PASSWORD ?? 'bench-password';
  const main = async () => {
    const dataDir = process.env.BENCH_CLICKHOUSE_DIR ?? join(tmpdir(), 'edgebear-bench-clickhouse');
    const server =
      externalUrl === undefined
        ? await startClickHouseServer({ port: 0, host: '127.0.0.1', dataDir, user: 'default', password })
        : null;
    const conn = { url: externalUrl ?? server?.url ?? '', user: 'default', password, database: 'edgebear' };
    try {
      if ((await seededRows(conn)) === 0) {
        throw new Error('no seeded events: run `npx tsx scripts/bench/dashboard.ts` once to seed them');
      }
      const site: ReadableSite = {
        id: FIRST_SEED_SITE_ID,
        domain: BIG_SITE_DOMAIN,
        timezone: 'Europe/Berlin',
      };
      // The 30 local days that end with the newest seeded event, as the dashboard benchmark asks.
      const last = (
        await clickhouseRequest(
          conn,
          `SELECT toDate(max(timestamp), '${site.timezone}') FROM events WHERE site_id = ${site.id} FORMAT TabSeparated`,
        )
      ).trim();
      const first = new Date(Date.parse(`${last}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
      const client = createClient({
        url: conn.url,
        username: conn.user,
        password: conn.password,
        database: conn.database,
        request_timeout: 600_000,
        clickhouse_settings: SESSION_SETTINGS,
      });
      const execute: Executor = async (sql, params) => {
        const result = await client.query({
          query: sql,
          query_params: params,
          format: 'JSONEachRow',
          clickhouse_settings: { prefer_column_name_to_alias: 1, output_format_json_quote_64bit_integers: 1 },
        });
        return result.json();
      };
      const figures = await benchFunnel({ execute, site, range: [first, last], iterations: 15 });
      await client.close();
      console.log(funnelLines(figures).join('\n'));
    } finally {
      await server?.close();
    }
  };
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
