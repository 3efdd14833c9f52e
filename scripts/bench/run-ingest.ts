/**
 * The ingest benchmark alone (`npx tsx scripts/bench/run-ingest.ts`): prints its figures and the
 * Ingest section `npm run bench` would write, without touching docs/benchmarks.md. Set
 * BENCH_JSON=<file> to keep the raw figures.
 */
import { writeFileSync } from 'node:fs';
import { benchIngest, ingestLines } from './ingest';

benchIngest()
  .then((f) => {
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(f, null, 2));
    console.log(ingestLines(f).join('\n'));
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
