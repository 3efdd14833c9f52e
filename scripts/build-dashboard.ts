/**
 * Builds the dashboard (dashboard/src, Preact + uPlot) into the Worker's static assets:
 * public/app/app-<hash>.js and .css, and public/index.html pointing at them. Hashed names let
 * browsers keep the bundle until it changes; index.html itself is small and always revalidated.
 *
 *   npx tsx scripts/build-dashboard.ts           # build and print the sizes
 *   npx tsx scripts/build-dashboard.ts --watch   # rebuild on change (with npm run dev)
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, context, type Metafile } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'public/app');

const options: BuildOptions = {
  entryPoints: { app: join(root, 'dashboard/src/main.tsx') },
  bundle: true,
  outdir,
  entryNames: '[name]-[hash]',
  // uPlot is imported dynamically (first chart), so it becomes a chunk of its own.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  // Browsers of the last few years (ES2020 syntax, CSS custom properties, ResizeObserver).
  target: ['chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: false,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/** Writes public/index.html from the template with the built file names. */
async function writeIndex(metafile: Metafile): Promise<{ js: string; css: string }> {
  const outputs = Object.keys(metafile.outputs).map((p) => basename(p));
  const js = outputs.find((f) => f.startsWith('app-') && f.endsWith('.js'));
  const css = outputs.find((f) => f.startsWith('app-') && f.endsWith('.css'));
  if (!js || !css) throw new Error(`unexpected build outputs: ${outputs.join(', ')}`);
  const template = await readFile(join(root, 'dashboard/index.html'), 'utf8');
  await writeFile(join(root, 'public/index.html'), template.replace('%JS%', js).replace('%CSS%', css));
  return { js, css };
}

/**
 * Removes files of earlier builds. Done after the new index.html is written, not before the
 * build: a running `wrangler dev` (a test run, a screenshot run) keeps finding the files the page
 * it served asks for, and an unchanged source rebuilds to the same names.
 */
async function removeStale(metafile: Metafile): Promise<void> {
  const current = new Set(Object.keys(metafile.outputs).map((p) => basename(p)));
  for (const file of await readdir(outdir)) {
    if (!current.has(file)) await rm(join(outdir, file), { force: true });
  }
}

export async function buildDashboard(): Promise<{ file: string; bytes: number; gzip: number }[]> {
  await mkdir(outdir, { recursive: true });
  const result = await build(options);
  const { js, css } = await writeIndex(result.metafile ?? { inputs: {}, outputs: {} });
  if (result.metafile) await removeStale(result.metafile);
  const chunks = Object.keys(result.metafile?.outputs ?? {})
    .map((p) => basename(p))
    .filter((f) => f.startsWith('chunk-'));
  const sizes = [];
  for (const file of [js, css, ...chunks]) {
    const body = await readFile(join(outdir, file));
    sizes.push({ file: `public/app/${file}`, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length });
  }
  return sizes;
}

async function main(): Promise<void> {
  if (process.argv.includes('--watch')) {
    await rm(outdir, { recursive: true, force: true });
    const ctx = await context({
      ...options,
      entryNames: '[name]-dev',
      plugins: [
        {
          name: 'index-html',
          setup(b) {
            b.onEnd(async (r) => {
              if (r.metafile) await writeIndex(r.metafile);
              console.log(`dashboard rebuilt (${r.errors.length} errors)`);
            });
          },
        },
      ],
    });
    await ctx.watch();
    return;
  }
  const sizes = await buildDashboard();
  for (const s of sizes) console.log(`${s.file}: ${s.bytes} B, ${s.gzip} B gzip`);
  console.log(`dashboard total: ${sizes.reduce((a, s) => a + s.gzip, 0)} B gzip`);
  const first = sizes.filter((s) => !s.file.includes('/chunk-'));
  console.log(`before the first chart (sign-in pages): ${first.reduce((a, s) => a + s.gzip, 0)} B gzip`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
