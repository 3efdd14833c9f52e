/**
 * `npm run drill:outage`: proves that a ClickHouse outage loses and doubles nothing.
 * With ClickHouse stopped, 5,000 events are sent and must all be accepted (202); after ClickHouse
 * comes back, all 5,000 must be in `edgebear.events` exactly once (consumer retries, and a
 * dead-letter replay for any message that ran out of retries meanwhile).
 */
import { createClient } from '@clickhouse/client-web';
import { SESSION_SETTINGS } from '../workers/clickhouse/settings';
import { startStack } from './lib/stack';

const EVENTS = Number(process.env.DRILL_EVENTS ?? 5000);
const CONCURRENCY = 64;
const DOMAIN = 'drill.test';

function progress(label: string, done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stdout.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stdout.write('\n');
}

async function main(): Promise<void> {
  console.log('starting a private stack (ClickHouse on 18224, Worker on 18887)…');
  const stack = await startStack({
    clickhousePort: 18224,
    workerPort: 18887,
    sites: [{ domain: DOMAIN }],
    quiet: true,
    logFile: process.env.DRILL_LOG ?? '.tmp-drill-wrangler.log',
  });
  const ch = createClient({
    url: stack.clickhouseUrl,
    password: stack.password,
    database: 'edgebear',
    clickhouse_settings: SESSION_SETTINGS,
  });
  try {
    console.log('stopping ClickHouse');
    await stack.stopClickHouse();

    let accepted = 0;
    let refused = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < EVENTS) {
        const i = next++;
        const res = await fetch(`${stack.workerUrl}/api/event`, {
          method: 'POST',
          headers: {
            'content-type': 'text/plain',
            // Many visitors, so the per-IP limit stays out of the way of the per-site one.
            'cf-connecting-ip': `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`,
            'user-agent':
              'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
          },
          body: JSON.stringify({ n: 'pageview', u: `https://${DOMAIN}/drill/${i}`, d: DOMAIN }),
        });
        await res.arrayBuffer();
        if (res.status === 202 && !res.headers.get('x-edgebear-dropped')) accepted++;
        else refused++;
        if ((accepted + refused) % 250 === 0) progress('sending ', accepted + refused, EVENTS);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    progress('sending ', EVENTS, EVENTS);
    console.log(`accepted ${accepted}, refused ${refused} while ClickHouse was down`);

    console.log('keeping ClickHouse down for 20 s so the consumer has to retry…');
    await new Promise((r) => setTimeout(r, 20_000));
    console.log('starting ClickHouse again');
    await stack.startClickHouse();

    const deadline = Date.now() + 240_000;
    let stored = 0;
    let replays = 0;
    while (Date.now() < deadline) {
      const result = await ch.query({
        query: 'SELECT count() AS n FROM events WHERE pathname LIKE {p:String}',
        query_params: { p: '/drill/%' },
        format: 'JSONEachRow',
      });
      stored = Number((await result.json<{ n: string }>())[0]?.n ?? 0);
      progress('landing ', Math.min(stored, accepted), accepted);
      if (stored >= accepted) break;
      // Anything that exhausted its retries is parked; send it back.
      const replay = await fetch(`${stack.workerUrl}/admin/dead-letters/replay?limit=1000`, {
        method: 'POST',
        headers: { authorization: 'Bearer stack-admin-token' },
      });
      const body = (await replay.json()) as { replayed?: number };
      replays += body.replayed ?? 0;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    process.stdout.write('\n');
    // Every event sent has its own pathname (/drill/<i>), so distinct pathnames are distinct
    // events and any row beyond them is a duplicate.
    const check = await ch.query({
      query: `SELECT count() AS rows, uniqExact(pathname) AS paths
                FROM events WHERE pathname LIKE {p:String}`,
      query_params: { p: '/drill/%' },
      format: 'JSONEachRow',
    });
    const [totals] = await check.json<{ rows: string; paths: string }>();
    const rows = Number(totals?.rows ?? 0);
    const paths = Number(totals?.paths ?? 0);
    const lost = accepted - paths;
    const duplicated = rows - paths;
    console.log(
      `accepted ${accepted} · stored rows ${rows} · distinct events ${paths} · replayed messages ${replays}`,
    );
    console.log(`lost ${lost} · duplicated ${duplicated}`);
    const ok = accepted === EVENTS && lost === 0 && duplicated === 0;
    console.log(ok ? 'DRILL PASSED' : 'DRILL FAILED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await ch.close();
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
