/**
 * Builds the tracking script variants from tracker/src into the Worker's static assets
 * (public/script.js, public/script.perf.js, public/script.full.js). One source; each variant switches features on
 * or off with build-time constants, so unused code is removed, not just skipped.
 *
 *   npx tsx scripts/build-tracker.ts            # build into public/
 *   npx tsx scripts/build-tracker.ts --verbose  # also print the sizes
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { minify } from 'terser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface TrackerVariant {
  /** File name under public/. */
  file: string;
  /** gzip -9 budget in bytes (docs/tracker.md, DESIGN.md "Budgets"). */
  budget: number;
  features: { engagement: boolean; clicks: boolean; performance: boolean };
}

export const TRACKER_VARIANTS: TrackerVariant[] = [
  { file: 'script.js', budget: 900, features: { engagement: false, clicks: false, performance: false } },
  // "Tracker with web vitals + browser timings" (DESIGN.md budgets).
  { file: 'script.perf.js', budget: 1500, features: { engagement: false, clicks: false, performance: true } },
  // Everything: issue 3's "with engagement, outbound/downloads and performance ≤ 1,500 bytes".
  { file: 'script.full.js', budget: 1500, features: { engagement: true, clicks: true, performance: true } },
];

/** Bundles and minifies one variant; returns the script text. */
export async function buildTracker(features: TrackerVariant['features']): Promise<string> {
  const bundled = await build({
    entryPoints: [join(root, 'tracker/src/index.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    // Evergreen browsers (optional chaining: Chrome 80, Firefox 74, Safari 13.1); no helpers needed.
    target: 'es2020',
    // Syntax and whitespace only: terser mangles names after inlining. (It refuses to inline a
    // function whose parameter shadows a name at the call site, which esbuild's short names cause.)
    minifySyntax: true,
    minifyWhitespace: true,
    define: {
      FEATURE_ENGAGEMENT: String(features.engagement),
      FEATURE_CLICKS: String(features.clicks),
      FEATURE_PERFORMANCE: String(features.performance),
    },
    legalComments: 'none',
    // The whole script in one try: whatever an unexpected browser throws stays out of the host page.
    banner: { js: 'try{' },
    footer: { js: '}catch{}' },
    // Ignore tsconfig.json: its strict mode would add a "use strict" prologue the script does not need.
    tsconfigRaw: {},
  });
  const code = bundled.outputFiles[0]?.text ?? '';
  // terser after esbuild: it inlines single-use functions across the former module
  // boundaries and runs several compress passes, which esbuild does not.
  const minified = await minify(code, {
    ecma: 2020,
    toplevel: true,
    compress: {
      passes: 3,
      unsafe: true,
      unsafe_arrows: true,
      unsafe_methods: true,
      pure_getters: true,
      // Literal true/false become 1/0: `keepalive: 1` and `buffered: 1` mean the same to the
      // browser, `i: 0` the same to the ingest (non-interactive). Comparisons with a boolean
      // become loose (`0 == e.hadRecentInput`), which keeps their meaning.
      booleans_as_integers: true,
    },
    mangle: true,
    format: { comments: false },
  });
  return minified.code ?? code;
}

/** Writes every variant into `outDir` (default: public/). */
export async function buildAllTrackers(
  outDir = join(root, 'public'),
): Promise<{ file: string; text: string }[]> {
  await mkdir(outDir, { recursive: true });
  const built = [];
  for (const variant of TRACKER_VARIANTS) {
    const text = await buildTracker(variant.features);
    await writeFile(join(outDir, variant.file), text);
    built.push({ file: variant.file, text });
  }
  return built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await buildAllTrackers();
  for (const { file, text } of built) {
    if (process.argv.includes('--verbose')) console.log(`public/${file}: ${text.length} bytes`);
  }
  console.log(`built ${built.map((b) => `public/${b.file}`).join(', ')}`);
}
