/**
 * `npm run replay`: sends parked dead letters (D1 table `dead_letters`) back to the events queue
 * through a running Worker's admin API. Safe to run twice or at the same time as another replay
 * (docs/ingest.md, "Dead letters and replay").
 *
 *   npm run replay                       # the local Worker (npm run dev), token from .dev.vars
 *   npm run replay -- --dry-run          # how many messages and events would be replayed
 *   npm run replay -- --url https://edgebear.example.com --token "$ADMIN_TOKEN" --limit 500
 */
import { parseArgs } from 'node:util';
import { readDevVars } from './lib/dev-vars';
import { progressLine, ReplayError, replayAll, summary } from './lib/replay-dead-letters';

const USAGE = `usage: npm run replay -- [--dry-run] [--url URL] [--token TOKEN] [--limit N]

  --url      the Worker (default: $EDGEBEAR_URL, else http://127.0.0.1:8787)
  --token    its ADMIN_TOKEN (default: $ADMIN_TOKEN, else ADMIN_TOKEN from .dev.vars)
  --limit    messages per request, 1-1000 (default 100)
  --dry-run  count what would be replayed; change nothing`;

/** The run's settings from flags, the environment and .dev.vars; throws a ReplayError on a bad one. */
function options() {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse().values;
  } catch (error) {
    throw new ReplayError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const url = values.url || process.env.EDGEBEAR_URL || 'http://127.0.0.1:8787';
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new ReplayError(`--url: not an http(s) URL: ${url}`);
  const token = values.token || process.env.ADMIN_TOKEN || readDevVars().ADMIN_TOKEN;
  if (!token)
    throw new ReplayError(
      'no ADMIN_TOKEN: pass --token, set ADMIN_TOKEN, or run npm run dev once to create .dev.vars',
    );
  const limit = Number(values.limit ?? '100');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new ReplayError('--limit: an integer from 1 to 1000');
  return { url, token, limit, dryRun: values['dry-run'] ?? false };
}

function parse() {
  return parseArgs({
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      limit: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const run = options();
  // On a terminal the progress line rewrites itself; in a log, one line per page.
  const tty = process.stdout.isTTY === true;
  console.log(`${run.dryRun ? 'dry run: counting' : 'replaying'} dead letters at ${run.url}`);
  try {
    const totals = await replayAll({
      ...run,
      onPage: (t) => process.stdout.write(tty ? `\r${progressLine(t)}` : `${progressLine(t)}\n`),
    });
    if (tty) process.stdout.write('\n');
    for (const line of summary(totals)) console.log(line);
  } catch (error) {
    if (tty) process.stdout.write('\n');
    if (error instanceof ReplayError && error.totals)
      for (const line of summary(error.totals)) console.log(`before the failure: ${line}`);
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ReplayError ? `replay: ${error.message}` : error);
  process.exitCode = 1;
});
