/**
 * `npm run bench`: prints every benchmark figure and writes docs/benchmarks.md with the date and
 * the machine, against the budgets of DESIGN.md. Figures are measured side by side in one run;
 * nothing here is a pass/fail test.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchDashboard, dashboardLines, TOTAL_EVENTS } from './dashboard';
import { benchDoCalls, doCallLines } from './do-calls';
import { benchIngest, ingestLines } from './ingest';
import { measureTrackerSizes } from './tracker-size';

function mark(ok: boolean): string {
  return ok ? 'met' : '**not met**';
}

/**
 * A section of the docs/benchmarks.md this run replaces, kept as it was (with its own date) when
 * this run skipped it, so a partial run does not erase earlier figures.
 */
function previousSection(heading: string): string[] {
  if (!existsSync('docs/benchmarks.md')) return [];
  const old = readFileSync('docs/benchmarks.md', 'utf8').split('\n');
  const start = old.indexOf(heading);
  if (start === -1) return [];
  const end = old.findIndex((line, i) => i > start && /^## /.test(line));
  const previousDate = /Measured (\d{4}-\d{2}-\d{2})/.exec(old.join('\n'))?.[1] ?? 'an earlier run';
  return [
    heading,
    '',
    `_Not re-measured in this run (BENCH_SKIP_DASHBOARD=1): the figures below are from ${previousDate}._`,
    ...old.slice(start + 1, end === -1 ? undefined : end),
  ];
}

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const lines: string[] = [`# Benchmarks`, '', `Measured ${date} on ${machine}, by \`npm run bench\`.`, ''];

  console.log('tracker sizes…');
  const sizes = await measureTrackerSizes();
  lines.push(
    '## Tracker size (gzip -9)',
    '',
    '| script | bytes | gzip | budget | |',
    '|---|---|---|---|---|',
  );
  for (const s of sizes) {
    lines.push(
      `| \`${s.name}\` | ${s.bytes} | ${s.gzipBytes} | ≤ ${s.budget} | ${mark(s.gzipBytes <= s.budget)} |`,
    );
    console.log(`  ${s.name}: ${s.gzipBytes} B gzip (budget ${s.budget})`);
  }
  lines.push(
    '',
    'Peers (gzip): Plausible legacy 723 B, Counterscale 1,769 B, Umami 2,206 B, Rybbit 4,687 B.',
    '',
  );

  if (process.env.BENCH_SKIP_INGEST !== '1') {
    const ingest = ingestLines(await benchIngest());
    lines.push(...ingest);
    for (const line of ingest) console.log(`  ${line}`);
  }

  if (process.env.BENCH_SKIP_DO_CALLS !== '1') {
    console.log('rate-limiter Durable Object calls per load shape…');
    const calls = ['## Rate-limiter Durable Object calls', '', ...doCallLines(await benchDoCalls()), ''];
    lines.push(...calls);
    for (const line of calls) console.log(`  ${line}`);
  }

  if (process.env.BENCH_SKIP_DASHBOARD !== '1') {
    console.log(
      `dashboard (${TOTAL_EVENTS.toLocaleString('en-US')} seeded events, BENCH_EVENTS; the first run seeds them)…`,
    );
    lines.push(...dashboardLines(await benchDashboard()));
  } else {
    lines.push(...previousSection('## Dashboard'));
  }

  writeFileSync('docs/benchmarks.md', `${lines.join('\n')}\n`);
  console.log('wrote docs/benchmarks.md');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
