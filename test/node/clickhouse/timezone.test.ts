/**
 * A host that is not in UTC: the engine then parses `{from:DateTime}` and cuts days in the host's
 * zone, as a self-hosted server does. The bridge must say which zone that is, and a query that
 * pins `session_timezone = 'UTC'` (as every Edgebear query does) must answer as on a UTC host.
 * The engine's zone is fixed per process, so each bridge here runs in a process of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PASSWORD = 'tz-test-password';

interface Bridge {
  url: string;
  child: ChildProcess;
  dataDir: string;
}

/** Starts tools/clickhouse/main.ts with `TZ=zone` on a free port and waits for it to be ready. */
function startBridge(zone: string): Promise<Bridge> {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgebear-tz-test-'));
  const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'tools/clickhouse/main.ts'], {
    env: {
      ...process.env,
      TZ: zone,
      CLICKHOUSE_PORT: '0',
      CLICKHOUSE_DATA_DIR: dataDir,
      CLICKHOUSE_PASSWORD: PASSWORD,
      CLICKHOUSE_MAINTENANCE_PASSWORD: `${PASSWORD}-maintenance`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready at (http:\/\/\S+),/.exec(output);
      if (ready?.[1] !== undefined) resolve({ url: ready[1], child, dataDir });
    });
    child.once('exit', (code) => reject(new Error(`bridge with TZ=${zone} exited (${code}): ${output}`)));
  });
}

async function stopBridge(bridge: Bridge | undefined): Promise<void> {
  if (bridge === undefined) return;
  const exited = new Promise((resolve) => bridge.child.once('exit', resolve));
  bridge.child.kill('SIGTERM');
  await exited;
  rmSync(bridge.dataDir, { recursive: true, force: true });
}

/** One query over HTTP the way the Worker sends it; returns the zone header and the row. */
async function ask(
  bridge: Bridge,
  settings: Record<string, string>,
): Promise<{ zone: string | null; row: Record<string, unknown> }> {
  const url = new URL(bridge.url);
  url.searchParams.set(
    'query',
    `SELECT toUnixTimestamp({from:DateTime}) AS from_ts, toString(toDate({from:DateTime})) AS day,
            toString(toDate(toDateTime(1772323200 + 1800))) AS day_of_ts,
            toUnixTimestamp(toStartOfDay(toDateTime(1772323200 + 1800))) AS day_start
     FORMAT JSONEachRow`,
  );
  url.searchParams.set('param_from', '2026-03-01 00:30:00');
  for (const [name, value] of Object.entries(settings)) url.searchParams.set(name, value);
  const response = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`default:${PASSWORD}`).toString('base64')}` },
  });
  expect(response.status).toBe(200);
  return { zone: response.headers.get('x-clickhouse-timezone'), row: JSON.parse(await response.text()) };
}

let utc: Bridge | undefined;
let chatham: Bridge | undefined;

beforeAll(async () => {
  [utc, chatham] = await Promise.all([startBridge('UTC'), startBridge('Pacific/Chatham')]);
});

afterAll(async () => {
  await Promise.all([stopBridge(utc), stopBridge(chatham)]);
});

describe('a bridge on a host outside UTC', () => {
  it('reports the zone the engine really uses', async () => {
    if (utc === undefined || chatham === undefined) throw new Error('bridges did not start');
    expect((await ask(chatham, {})).zone).toBe('Pacific/Chatham');
    expect((await ask(utc, {})).zone).toBe('UTC');
    expect((await ask(chatham, { session_timezone: 'UTC' })).zone).toBe('UTC');
  });

  it("answers as a UTC host does once the query sets session_timezone = 'UTC'", async () => {
    if (utc === undefined || chatham === undefined) throw new Error('bridges did not start');
    const pinned = { session_timezone: 'UTC' };
    const expected = {
      from_ts: 1772325000,
      day: '2026-03-01',
      day_of_ts: '2026-03-01',
      day_start: 1772323200,
    };
    expect((await ask(utc, pinned)).row).toEqual(expected);
    expect((await ask(chatham, pinned)).row).toEqual(expected);
    // Without it the same request means other instants and other days: what the pin prevents.
    expect((await ask(chatham, {})).row).not.toEqual(expected);
  });
});
