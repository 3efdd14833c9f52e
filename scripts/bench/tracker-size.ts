/**
 * Size of the tracking script variants, gzip -9, beside the peers' scripts and the budgets
 * (DESIGN.md "Budgets"). Builds in memory from tracker/src, so it always measures the source.
 *
 *   npx tsx scripts/bench/tracker-size.ts
 */
import { gzipSync } from 'node:zlib';
import { buildTracker, TRACKER_VARIANTS } from '../build-tracker';

export interface TrackerSize {
  name: string;
  bytes: number;
  gzipBytes: number;
  budget: number;
}

/** gzip -9 sizes of the peers' trackers, measured on their published scripts. */
export const PEER_GZIP_BYTES = [
  { name: 'Plausible (legacy script.js)', gzipBytes: 723 },
  { name: 'Counterscale', gzipBytes: 1769 },
  { name: 'Umami', gzipBytes: 2206 },
  { name: 'Rybbit', gzipBytes: 4687 },
];

export async function measureTrackerSizes(): Promise<TrackerSize[]> {
  const sizes: TrackerSize[] = [];
  for (const variant of TRACKER_VARIANTS) {
    const text = await buildTracker(variant.features);
    sizes.push({
      name: variant.file,
      bytes: Buffer.byteLength(text),
      gzipBytes: gzipSync(text, { level: 9 }).length,
      budget: variant.budget,
    });
  }
  return sizes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = await measureTrackerSizes();
  const rows = [
    ...sizes.map((s) => [
      `Edgebear ${s.name}`,
      String(s.bytes),
      String(s.gzipBytes),
      `≤ ${s.budget}`,
      s.gzipBytes <= s.budget ? 'met' : `OVER by ${s.gzipBytes - s.budget}`,
    ]),
    ...PEER_GZIP_BYTES.map((p) => [p.name, '', String(p.gzipBytes), '', 'peer']),
  ];
  const header = ['script', 'bytes', 'gzip -9', 'budget', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
