import { describe, expect, it } from 'vitest';
import { profileArea, summarise } from '../../../scripts/bench/cpu-profile';

/** A bundle as wrangler's esbuild writes it: each module after a `// path` comment. */
const BUNDLE = [
  '// workers/ingest/routes.ts',
  'async function handleEvent(raw) {',
  '  const cf = raw.cf;',
  '  return new Response("ok");',
  '}',
  '// workers/consumer/consume.ts',
  'function consume(batch) {',
  '  return batch;',
  '}',
].join('\n');

describe('CPU profile summary', () => {
  it('names functions, files, areas and the hottest bundle lines from position ticks', () => {
    const frame = (functionName: string, lineNumber: number, url = 'bundle.js') => ({
      functionName,
      url,
      lineNumber,
      scriptId: '1',
    });
    const summary = summarise(
      {
        nodes: [
          { id: 1, callFrame: frame('(idle)', -1, ''), hitCount: 5 },
          {
            id: 2,
            callFrame: frame('handleEvent', 1),
            positionTicks: [
              { line: 3, ticks: 6 },
              { line: 4, ticks: 2 },
            ],
          },
          { id: 3, callFrame: frame('consume', 6), positionTicks: [{ line: 8, ticks: 1 }] },
          { id: 4, callFrame: frame('(garbage collector)', -1, ''), hitCount: 1 },
        ],
        samples: [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 4],
      },
      200,
      new Map([['1', BUNDLE]]),
    );
    expect(summary.busySamples).toBe(10);
    expect(summary.top[0]).toEqual({ name: 'handleEvent', file: 'workers/ingest/routes.ts', selfShare: 0.8 });
    expect(summary.lines[0]).toEqual({
      file: 'workers/ingest/routes.ts',
      fn: 'handleEvent',
      text: 'const cf = raw.cf;',
      selfShare: 0.6,
    });
    expect(summary.lines[2]?.file).toBe('workers/consumer/consume.ts');
    expect(summary.allFiles.map((f) => profileArea(f.file))).toEqual(['event path', 'consumer', 'native']);
  });

  it('sorts files into areas', () => {
    expect(profileArea('(native)')).toBe('native');
    expect(profileArea('workers/visits/tracker.ts')).toBe('consumer');
    expect(profileArea('work/main/node_modules/@clickhouse/client-web/dist/index.js')).toBe('consumer');
    expect(profileArea('workers/limits/lease.ts')).toBe('event path');
    expect(profileArea('(bundle)')).toBe('other');
  });
});
