/**
 * `npm run bench`: prints every benchmark figure and writes docs/benchmarks.md with the date and
 * the machine, against the budgets of DESIGN.md. Figures are measured side by side in one run;
 * nothing here is a pass/fail test.
 */

import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchDashboard, dashboardLines } from './dashboard';
import { benchIngest, type IngestFigures } from './ingest';
import { measureTrackerSizes } from './tracker-size';

function mark(ok: boolean): string {
  return ok ? 'met' : '**not met**';
}

function fixed(n: number, digits = 2): string {
  return n.toFixed(digits);
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
    const f: IngestFigures = await benchIngest();
    const rows: [string, string, string, boolean][] = [
      [
        '`/api/event` req/s ÷ bare 202 req/s (same Worker, same run)',
        `${fixed(f.eventRps, 0)} ÷ ${fixed(f.bareRps, 0)} = ${fixed(f.ratio)}`,
        '≥ 0.8',
        f.ratio >= 0.8,
      ],
      [
        'CPU of the Worker workerd per accepted event ÷ per bare request',
        `${fixed(f.eventCpuMsPerEvent, 3)} ms ÷ ${fixed(f.bareCpuMsPerRequest, 3)} ms = ${fixed(f.cpuRatio)}`,
        '≤ 2',
        f.cpuRatio <= 2,
      ],
      [
        'Queue messages per 1,000 events at 20 events/s',
        fixed(f.queueMessagesPer1000At20, 1),
        '≤ 100',
        f.queueMessagesPer1000At20 <= 100,
      ],
      [
        'DO calls per 1,000 events (5,000 visitor IPs, 3 sites)',
        fixed(f.doCallsPer1000, 1),
        '≤ 50',
        f.doCallsPer1000 <= 50,
      ],
      [
        'D1 reads of the plan capacity check per 1,000 events (sites of one billing profile)',
        fixed(f.capacityLookupsPer1000, 2),
        '≤ 1',
        f.capacityLookupsPer1000 <= 1,
      ],
      ['ClickHouse inserts per 1,000 events under load', fixed(f.insertsPer1000, 1), '—', true],
      [
        'Cloudflare cost per million events (list prices)',
        `$${fixed(f.costPerMillion.total, 3)}`,
        '≤ $0.45',
        f.costPerMillion.total <= 0.45,
      ],
    ];
    lines.push(
      '## Ingest',
      '',
      `\`wrk -t2 -c${f.connections}\` against \`wrangler dev\` (local workerd, Queues, DOs, D1, chDB ClickHouse) on the same machine, ${f.seconds} s per route in ${f.rounds} alternating turns (bare, events, bare, …) so that other work on the shared machine falls on both; visitors drawn from 5,000 IPs over 3 sites. CPU is utime + stime of the Worker's workerd process from \`/proc\` (it also runs the queue consumer and the Durable Objects, so the event figure includes them). Accepted events under load: ${f.acceptedUnderLoad}.`,
      '',
      '| figure | measured | budget | |',
      '|---|---|---|---|',
      ...rows.map(
        ([what, value, budget, ok]) =>
          `| ${what} | ${value} | ${budget} | ${budget === '—' ? '' : mark(ok)} |`,
      ),
      '',
      `Cost per million events: requests $${fixed(f.costPerMillion.requests, 3)} + CPU $${fixed(f.costPerMillion.cpu, 3)} + Queues $${fixed(f.costPerMillion.queue, 3)} (${fixed(f.queueMessagesPer1000At20, 1)} messages per 1,000 events at 20 events/s, ${fixed(f.queueBytesPerMessageAt20, 0)} B each, 3 operations per message) + Durable Objects $${fixed(f.costPerMillion.durableObjects, 4)}.`,
      '',
    );
    for (const [what, value, budget] of rows) console.log(`  ${what}: ${value} (budget ${budget})`);
  }

  if (process.env.BENCH_SKIP_DASHBOARD !== '1') {
    console.log('dashboard (10 M seeded events; the first run seeds them)…');
    lines.push(...dashboardLines(await benchDashboard()));
  }

  writeFileSync('docs/benchmarks.md', `${lines.join('\n')}\n`);
  console.log('wrote docs/benchmarks.md');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
