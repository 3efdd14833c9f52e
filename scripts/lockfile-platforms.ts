/**
 * The npm registry reachable here serves only the linux-x64 build of chDB's engine, so `npm
 * install` leaves chDB's other platform packages out of package-lock.json, and `npm ci` then
 * refuses the lock ("Missing: @chdb/lib-darwin-arm64 from lock file"). This records them as
 * optional, platform-bound entries, exactly as npm would with a full registry. Run it after any
 * `npm install`: `npx tsx scripts/lockfile-platforms.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

const PLATFORMS: Record<string, { os: string; cpu: string; libc?: string }> = {
  '@chdb/lib-darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  '@chdb/lib-darwin-x64': { os: 'darwin', cpu: 'x64' },
  '@chdb/lib-linux-arm64-gnu': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  '@chdb/lib-linux-x64-gnu': { os: 'linux', cpu: 'x64', libc: 'glibc' },
};

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
const chdb = lock.packages['node_modules/chdb'];
let added = 0;
for (const [name, version] of Object.entries(chdb?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  const platform = PLATFORMS[name];
  if (lock.packages[key] || !platform) continue;
  lock.packages[key] = {
    version,
    cpu: [platform.cpu],
    dev: true,
    ...(platform.libc ? { libc: [platform.libc] } : {}),
    license: 'Apache-2.0',
    optional: true,
    os: [platform.os],
  };
  added++;
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  ),
);
writeFileSync('package-lock.json', `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
console.log(
  added ? `recorded ${added} platform package(s) in package-lock.json` : 'package-lock.json already complete',
);
