/**
 * `npm run seed -- --events 10000000`: writes realistic traffic for 1,000 sites straight into
 * ClickHouse (`events`; the materialized views fill the rollups), for the dashboard and the
 * benchmarks. Site ids start at 1,000,001 so they never clash with real sites; the first,
 * big.seed.test, holds 30 % of the events (3 M of 10 M) over 30 days.
 *
 * Rows travel as TabSeparated in inserts of 200,000 rows; the next batch is generated while the
 * previous one is being inserted. Same `--seed` and `--end`, same rows, in the same chunks.
 *
 * Each chunk is one insert on a connection of its own, with an `insert_deduplication_token` made
 * of the seed's options and the chunk's number: a chunk whose connection dropped is sent again
 * (a few times, with backoff), and stored once even if the first attempt landed (`events` and
 * every rollup set non_replicated_deduplication_window, as the queue consumer relies on too).
 * A fresh connection per insert: reusing an idle keep-alive connection races the server closing
 * it (Node's http server does after 5 s idle), and while the next batch is generated the event
 * loop is busy for seconds, long enough to lose that race (the ECONNRESET of the 10 M seed).
 *
 * Options: --events N (10,000,000)  --seed N (1)  --days N (30)  --end ISO (now, to the hour)
 *          --sites N (1000)  --batch N (200000)  --parallel N (inserts at once, 2)  --url (CLICKHOUSE_URL or http://127.0.0.1:8123)
 *          --password (CLICKHOUSE_PASSWORD or .dev.vars)  --user (default)  --database (edgebear)
 *          --d1 --owner <billing profile id> [--persist-to DIR]: also add the sites to the local D1
 *          (owned by that billing profile) so the dashboard can open them.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from '@clickhouse/client-web';
import { sealDays } from '../functions/stats/seal';
import { localClickHousePassword } from '../tools/clickhouse/credentials';
import { LOCAL_MAINTENANCE_USER } from '../tools/clickhouse/users';
import { SESSION_SETTINGS } from '../workers/clickhouse/settings';
import { FIRST_SEED_SITE_ID, type SeedSite, seedSites } from './lib/seed-catalog';
import { SEED_COLUMNS, SiteTraffic, sharedCatalog } from './lib/seed-traffic';

export interface SeedOptions {
  url: string;
  user: string;
  password: string;
  database: string;
  events: number;
  seed: number;
  days: number;
  /** Unix seconds; every event is before it. */
  end: number;
  sites: number;
  batchRows: number;
  /** Inserts running at once (default 2). */
  parallelInserts?: number;
  /** Called after each insert with rows written so far. */
  onProgress?: (written: number, total: number) => void;
  /** Attempts after the first for an insert that failed on the way (default 4). */
  retries?: number;
  /** Wait before the first retry; doubles for each next one (default 1,000 ms). */
  retryDelayMs?: number;
}

export interface SeedResult {
  rows: number;
  seconds: number;
  sites: SeedSite[];
}

type Connection = Pick<SeedOptions, 'url' | 'user' | 'password' | 'database'>;

/**
 * Runs one statement over ClickHouse's HTTP interface; returns the response text. `settings`
 * travel as URL parameters (ClickHouse settings of this query alone).
 */
export async function clickhouseRequest(
  opts: Connection,
  query: string,
  body?: string,
  settings: Record<string, string | number> = {},
): Promise<string> {
  const url = new URL(opts.url);
  url.searchParams.set('database', opts.database);
  if (body !== undefined) url.searchParams.set('query', query);
  for (const [name, value] of Object.entries({ ...SESSION_SETTINGS, ...settings })) {
    url.searchParams.set(name, String(value));
  }
  const payload = Buffer.from(body ?? query, 'utf8');
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        // No keep-alive: see the module comment.
        agent: false,
        headers: {
          authorization: `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`,
          'content-length': String(payload.length),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
  if (status < 200 || status >= 300) throw new ClickHouseStatusError(status, text);
  return text;
}

/** ClickHouse answered, with an error: retrying the same statement would not help. */
export class ClickHouseStatusError extends Error {
  constructor(
    readonly status: number,
    text: string,
  ) {
    super(`ClickHouse ${status}: ${text.slice(0, 500)}`);
    this.name = 'ClickHouseStatusError';
  }
}

/**
 * One chunk's insert, sent again after a dropped connection or a server error (5xx) with the same
 * deduplication token, so it is stored once whichever attempt landed.
 */
async function insertChunk(opts: SeedOptions, insert: string, body: string, token: string): Promise<void> {
  const retries = opts.retries ?? 4;
  const settings = {
    insert_deduplicate: 1,
    insert_deduplication_token: token,
    // The rollups' materialized views skip a block `events` dropped as a repeat (0002_rollups.sql).
    deduplicate_blocks_in_dependent_materialized_views: 1,
    async_insert: 0,
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await clickhouseRequest(opts, insert, body, settings);
      return;
    } catch (error) {
      const final = error instanceof ClickHouseStatusError && error.status < 500;
      if (final || attempt >= retries) throw error;
      const wait = (opts.retryDelayMs ?? 1_000) * 2 ** attempt;
      console.warn(
        `seed: insert ${token} failed (${error instanceof Error ? (error.cause ?? error.message) : error}); again in ${wait} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Rows already stored for the seeded site id range. */
export async function seededRows(opts: Connection, sites = 1000): Promise<number> {
  const text = await clickhouseRequest(
    opts,
    `SELECT count() FROM events WHERE site_id BETWEEN ${FIRST_SEED_SITE_ID} AND ${FIRST_SEED_SITE_ID + sites - 1}`,
  );
  return Number(text.trim());
}

/** Generates and inserts the traffic. Sites are written one after another, big one first. */
export async function seedClickHouse(opts: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const sites = seedSites(opts.events, opts.sites);
  const catalog = sharedCatalog();
  const traffic = { seed: opts.seed, end: opts.end, days: opts.days };
  const insert = `INSERT INTO events (${SEED_COLUMNS.join(', ')}) FORMAT TabSeparated`;

  let siteIndex = 0;
  let current: SiteTraffic | null = null;
  const nextBatch = (): string[] => {
    const rows: string[] = [];
    while (rows.length < opts.batchRows) {
      if (current === null || current.remaining <= 0) {
        const site = sites[siteIndex++];
        if (site === undefined) break;
        current = new SiteTraffic(site, traffic, catalog);
        continue;
      }
      // A visit starts inside an hour slot that ends before `end`, so it always writes a row.
      current.nextVisit(rows);
    }
    return rows;
  };

  // Up to `parallelInserts` inserts run while the next batch is generated: the materialized views
  // make an insert mostly single-threaded work on the server, so two keep two cores busy.
  let written = 0;
  let chunk = 0;
  // Same options, same chunks: the token names them, so a re-run over a complete seed adds nothing.
  const run = `edgebear-seed:${opts.seed}:${opts.end}:${opts.days}:${opts.events}:${opts.sites}:${opts.batchRows}`;
  const inFlight: Promise<void>[] = [];
  for (;;) {
    const rows = nextBatch();
    if (rows.length === 0) break;
    const count = rows.length;
    rows.push('');
    const body = rows.join('\n');
    while (inFlight.length >= Math.max(1, opts.parallelInserts ?? 2)) await inFlight.shift();
    const sent = insertChunk(opts, insert, body, `${run}:${chunk++}`).then(() => {
      written += count;
      opts.onProgress?.(written, opts.events);
    });
    // Handled where it is awaited; until then a failure must not count as unhandled.
    sent.catch(() => {});
    inFlight.push(sent);
  }
  await Promise.all(inFlight);
  return { rows: written, seconds: (performance.now() - started) / 1000, sites };
}

/** `[#####.....]  45.0 %  4,500,000 / 10,000,000  152,000 rows/s  ETA 36 s` on one line. */
export function progressLine(written: number, total: number, elapsedSeconds: number): string {
  const share = total === 0 ? 1 : Math.min(1, written / total);
  const width = 30;
  const filled = Math.round(share * width);
  const rate = elapsedSeconds > 0 ? written / elapsedSeconds : 0;
  const eta = rate > 0 ? Math.max(0, (total - written) / rate) : 0;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1).padStart(5)} %  ${n(written)} / ${n(total)}  ${n(rate)} rows/s  ETA ${Math.ceil(eta)} s`;
}

/** SQL that adds the seeded sites to D1, owned by one billing profile. Values are ours, not input. */
export function d1SitesSql(sites: readonly SeedSite[], billingProfileId: number): string {
  const values = sites.map(
    (s) => `(${s.id}, '${s.domain}', 'seed-${s.id}', '${s.timezone}', ${Math.trunc(billingProfileId)})`,
  );
  return `INSERT OR IGNORE INTO sites (id, domain, public_key, timezone, billing_profile_id) VALUES\n${values.join(',\n')};\n`;
}

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq !== -1) {
      args.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (argv[i + 1] !== undefined && !(argv[i + 1] ?? '').startsWith('--')) {
      args.set(arg.slice(2), argv[++i] ?? '');
    } else {
      args.set(arg.slice(2), 'true');
    }
  }
  return args;
}

function positiveInt(args: Map<string, string>, name: string, fallback: number): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
  return value;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const endArg = args.get('end');
  const end = endArg ? Math.floor(Date.parse(endArg) / 1000) : Math.floor(Date.now() / 1000 / 3600) * 3600;
  if (!Number.isFinite(end)) throw new Error('--end must be an ISO date');
  const opts: SeedOptions = {
    url: args.get('url') ?? process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
    user: args.get('user') ?? process.env.CLICKHOUSE_USER ?? 'default',
    password: args.get('password') ?? localClickHousePassword(),
    database: args.get('database') ?? process.env.CLICKHOUSE_DATABASE ?? 'edgebear',
    events: positiveInt(args, 'events', 10_000_000),
    seed: positiveInt(args, 'seed', 1),
    days: Math.max(1, positiveInt(args, 'days', 30)),
    end,
    sites: Math.max(1, positiveInt(args, 'sites', 1000)),
    batchRows: Math.max(1000, positiveInt(args, 'batch', 200_000)),
    parallelInserts: Math.max(1, positiveInt(args, 'parallel', 2)),
  };

  const existing = await seededRows(opts, opts.sites);
  if (existing > 0 && args.get('append') !== 'true') {
    console.error(
      `seed: ${existing.toLocaleString('en-US')} seeded rows are already in ${opts.database}.events ` +
        `(site ids ${FIRST_SEED_SITE_ID}…); pass --append to add more anyway, or start from an empty data directory.`,
    );
    process.exitCode = 1;
    return;
  }

  console.log(
    `seed: ${opts.events.toLocaleString('en-US')} events for ${opts.sites} sites, ${opts.days} days up to ${new Date(end * 1000).toISOString()}, seed ${opts.seed}, into ${opts.url}`,
  );
  const startedAt = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastDecile = -1;
  const result = await seedClickHouse({
    ...opts,
    onProgress(written, total) {
      const line = progressLine(written, total, (performance.now() - startedAt) / 1000);
      if (tty) {
        process.stderr.write(`\r${line}`);
      } else if (Math.floor((10 * written) / Math.max(1, total)) > lastDecile) {
        lastDecile = Math.floor((10 * written) / Math.max(1, total));
        process.stderr.write(`${line}\n`);
      }
    },
  });
  if (tty) process.stderr.write('\n');
  const rate = Math.round(result.rows / result.seconds).toLocaleString('en-US');
  console.log(
    `seed: wrote ${result.rows.toLocaleString('en-US')} events in ${result.seconds.toFixed(1)} s (${rate} rows/s); big site: ${result.sites[0]?.domain} id ${result.sites[0]?.id}`,
  );

  // Ended days become sealed figures, as the 15-minute cron would make them (functions/stats/seal.ts),
  // signed in as the cron is: the maintenance user (the ingest user may only insert into events).
  const client = createClient({
    url: opts.url,
    username: process.env.CLICKHOUSE_MAINTENANCE_USER ?? LOCAL_MAINTENANCE_USER,
    password: localClickHousePassword('CLICKHOUSE_MAINTENANCE_PASSWORD'),
    database: opts.database,
    request_timeout: 600_000,
    clickhouse_settings: SESSION_SETTINGS,
  });
  const sealStarted = performance.now();
  const sealed = await sealDays(client, Date.now());
  await client.close();
  console.log(
    `seed: sealed ${sealed.days.length} ended days (${sealed.sealed.toLocaleString('en-US')} site-days) in ${((performance.now() - sealStarted) / 1000).toFixed(1)} s; today stays in the hourly rollups`,
  );

  if (args.get('d1') === 'true') {
    const owner = positiveInt(args, 'owner', 0);
    if (owner === 0)
      throw new Error('--d1 needs --owner <billing profile id> (see the billing_profiles table)');
    const dir = mkdtempSync(join(tmpdir(), 'edgebear-seed-'));
    const file = join(dir, 'sites.sql');
    writeFileSync(file, d1SitesSql(result.sites, owner));
    const persistTo = args.get('persist-to');
    const run = spawnSync(
      'npx',
      [
        'wrangler',
        'd1',
        'execute',
        'DB',
        '--local',
        '--file',
        file,
        ...(persistTo ? ['--persist-to', persistTo] : []),
      ],
      { stdio: 'inherit', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } },
    );
    rmSync(dir, { recursive: true, force: true });
    if (run.status !== 0) throw new Error('wrangler d1 execute failed');
    console.log(
      `seed: added ${result.sites.length} sites to the local D1, owned by billing profile ${owner}`,
    );
  } else {
    console.log(
      `seed: to open them in the dashboard, re-run with --d1 --owner <billing profile id>, or add the row yourself:\n` +
        `  npx wrangler d1 execute DB --local --command "INSERT OR IGNORE INTO sites (id, domain, public_key, timezone, billing_profile_id) VALUES (${FIRST_SEED_SITE_ID}, 'big.seed.test', 'seed-${FIRST_SEED_SITE_ID}', 'Europe/Berlin', <billing profile id>)"`,
    );
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(
      `${basename(fileURLToPath(import.meta.url))}: ${error instanceof Error ? error.message : error}`,
    );
    process.exit(1);
  });
}
