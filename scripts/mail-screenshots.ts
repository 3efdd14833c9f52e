/**
 * `npm run screenshots:mail`: every scheduled mail, sent by the real crons of a private stack and
 * read back from its development mailbox (/dev/mail), saved as docs/screenshots/mail-<kind>.html
 * and as PNGs at 600 px (a desktop mail pane) and 375 px (a phone): the daily and weekly reports,
 * the spike, drop and web-vitals alerts, the operator's daily email, and a job alert with its
 * recovery notice.
 *
 * The stack runs on ports of its own (shifted by EDGEBEAR_TEST_PORT_OFFSET), so a running
 * `npm run dev` or test run is left alone. Time is the cron's: the triggers run at a Monday 07:00
 * UTC in the past, with five weeks of synthetic traffic before it, shaped so that each alert holds.
 *
 *   npx tsx scripts/mail-screenshots.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib/chromium';
import { listOutbox, type OutboxEntry, outboxHtml } from './lib/outbox-messages';
import { EVERY_15_MINUTES, runCron } from './lib/scheduled';
import { SEED_COLUMNS, SiteTraffic, sharedCatalog } from './lib/seed-traffic';
import { type Stack, startStack } from './lib/stack';
import { StackOwner } from './lib/stack-owner';
import { clickhouseRequest } from './seed';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs/screenshots');
const OFFSET = Number(process.env.EDGEBEAR_TEST_PORT_OFFSET ?? 0) || 0;
/** Away from the test stacks (18xxx–21xxx) and `npm run screenshots` (18624, 18687). */
const PORTS = { clickhousePort: 16124 + OFFSET, workerPort: 16788 + OFFSET };
const STAFF_EMAIL = 'operator@example.com';
const OWNER_EMAIL = 'owner@example.com';
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const SPIKE_THRESHOLD = 100;

/** The sites, their traffic over the five weeks, and what the day before the trigger looks like. */
const SITES = [
  // Reports (daily and weekly) and, minutes before the trigger, a traffic spike.
  { key: 'shop', domain: 'shop.example.com', events: 60_000, yesterday: 'normal' },
  // Yesterday at a third of its usual Sunday: the drop alert.
  { key: 'blog', domain: 'blog.example.org', events: 25_000, yesterday: 'drop' },
  // Yesterday's pages loading about three times slower: the web-vitals alert.
  { key: 'docs', domain: 'docs.example.net', events: 60_000, yesterday: 'slow' },
] as const;

/** What the screenshots show, by mailbox kind (and subject for the two reports). */
const SHOTS: { name: string; matches(m: OutboxEntry): boolean }[] = [
  { name: 'report-daily', matches: (m) => m.kind === 'report' && m.subject.includes('daily report') },
  { name: 'report-weekly', matches: (m) => m.kind === 'report' && m.subject.includes('weekly report') },
  { name: 'alert-spike', matches: (m) => m.kind === 'alert_spike' },
  { name: 'alert-drop', matches: (m) => m.kind === 'alert_drop' },
  { name: 'alert-vitals', matches: (m) => m.kind === 'alert_vitals' },
  { name: 'staff-daily', matches: (m) => m.kind === 'staff_daily' },
  { name: 'job-alert', matches: (m) => m.kind === 'job_alert' },
  { name: 'job-recovered', matches: (m) => m.kind === 'job_recovered' },
];

const WIDTHS = [600, 375] as const;

function log(message: string): void {
  console.log(`screenshots:mail: ${message}`);
}

/** The last Monday 07:00 UTC at least an hour before `nowMs`: the trigger's time. */
function lastMondayMorning(nowMs: number): number {
  const latest = nowMs - 60 * MINUTE_MS;
  const d = new Date(latest);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 7);
  while (new Date(t).getUTCDay() !== 1 || t > latest) t -= DAY_MS;
  return t;
}

const column = (name: (typeof SEED_COLUMNS)[number]) => SEED_COLUMNS.indexOf(name);

/** Rows of `site` for the five weeks before `todayStart` (unix s), yesterday shaped as the site says. */
function fiveWeeks(site: (typeof SITES)[number], id: number, todayStart: number, seed: number): string[] {
  const traffic = new SiteTraffic(
    { id, domain: site.domain, timezone: 'UTC', events: site.events },
    // 36 local days up to the one holding `end`, whose hours are all after it: 35 whole days.
    { seed, end: todayStart, days: 36 },
    sharedCatalog(),
  );
  const rows: string[] = [];
  while (traffic.remaining > 0) traffic.nextVisit(rows);
  const yesterday = todayStart - 86_400;
  const at = column('timestamp');
  return rows.flatMap((row) => {
    const cols = row.split('\t');
    if (Number(cols[at]) < yesterday) return [row];
    if (site.yesterday === 'drop') {
      // Keep about a third of yesterday's visitors, whole visits at a time.
      const visitor = BigInt(cols[column('visitor_id')] ?? '0');
      return visitor % 3n === 0n ? [row] : [];
    }
    if (site.yesterday === 'slow' && cols[column('kind')] === 'performance') {
      for (const [name, factor] of [
        ['lcp_ms', 3],
        ['inp_ms', 3],
        ['fcp_ms', 2],
      ] as const) {
        const i = column(name);
        if (cols[i] !== '\\N') cols[i] = String(Math.round(Number(cols[i]) * factor));
      }
      return [cols.join('\t')];
    }
    return [row];
  });
}

/** A morning's worth of shop visits squeezed into the 4 minutes before `trigger` (unix s): the spike. */
function spike(id: number, trigger: number): string[] {
  const traffic = new SiteTraffic(
    { id, domain: 'shop.example.com', timezone: 'UTC', events: 4_000 },
    { seed: 99, end: trigger, days: 1 },
    sharedCatalog(),
  );
  const rows: string[] = [];
  while (traffic.remaining > 0) traffic.nextVisit(rows);
  const at = column('timestamp');
  const times = rows.map((r) => Number(r.split('\t')[at]));
  const first = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - first);
  return rows.map((row) => {
    const cols = row.split('\t');
    cols[at] = String(trigger - 240 + Math.floor(((Number(cols[at]) - first) / span) * 235));
    return cols.join('\t');
  });
}

async function seed(stack: Stack, siteIds: Map<string, number>, trigger: number): Promise<number> {
  const opts = { url: stack.clickhouseUrl, user: 'default', password: stack.password, database: 'edgebear' };
  const insert = `INSERT INTO events (${SEED_COLUMNS.join(', ')}) FORMAT TabSeparated`;
  const todayStart = Math.floor(trigger / 1000) - 7 * 3_600;
  let written = 0;
  for (const [i, site] of SITES.entries()) {
    const id = siteIds.get(site.key) ?? 0;
    const rows = fiveWeeks(site, id, todayStart, 11 + i);
    if (site.key === 'shop') rows.push(...spike(id, Math.floor(trigger / 1000)));
    for (let from = 0; from < rows.length; from += 20_000) {
      await clickhouseRequest(opts, insert, `${rows.slice(from, from + 20_000).join('\n')}\n`);
    }
    written += rows.length;
  }
  return written;
}

/** The owner, the three sites, report recipients and alerts, all through the API. */
async function configure(url: string): Promise<Map<string, number>> {
  const owner = await StackOwner.signUp(url, OWNER_EMAIL);
  const ids = new Map<string, number>();
  for (const site of SITES) {
    const created = await owner.expect('POST', '/api/sites', { domain: site.domain, timezone: 'UTC' }, 201);
    const id = (created.site as { id: number }).id;
    ids.set(site.key, id);
  }
  const shop = ids.get('shop');
  await owner.expect(
    'POST',
    `/api/sites/${shop}/reports`,
    { email: OWNER_EMAIL, daily: true, weekly: true },
    201,
  );
  const alerts = {
    shop: { spike: { enabled: true, threshold: SPIKE_THRESHOLD } },
    blog: { drop: { enabled: true, ratio: 0.5 } },
    docs: { vitals: { enabled: true } },
  } as const;
  for (const [key, settings] of Object.entries(alerts)) {
    await owner.expect(
      'PATCH',
      `/api/sites/${ids.get(key)}/alerts`,
      { ...settings, recipients: [OWNER_EMAIL] },
      200,
    );
  }
  return ids;
}

async function shoot(url: string, mail: OutboxEntry[]): Promise<string[]> {
  const browser = await launchChromium(['--hide-scrollbars']);
  const written: string[] = [];
  try {
    for (const shot of SHOTS) {
      const message = mail.find(shot.matches);
      if (!message) {
        log(`no ${shot.name} mail in the mailbox: skipped`);
        continue;
      }
      const html = await outboxHtml(url, message.id);
      await writeFile(join(out, `mail-${shot.name}.html`), html);
      for (const width of WIDTHS) {
        const context = await browser.newContext({
          viewport: { width, height: 800 },
          deviceScaleFactor: 1,
          isMobile: width < 600,
          // Mail is shown without its links working: no request may leave the page.
          javaScriptEnabled: false,
          offline: true,
        });
        const page = await context.newPage();
        await page.setContent(html, { waitUntil: 'load' });
        await page.screenshot({ path: join(out, `mail-${shot.name}-${width}.png`), fullPage: true });
        await context.close();
      }
      written.push(shot.name);
      log(`wrote docs/screenshots/mail-${shot.name}{.html,-600.png,-375.png} (${message.subject})`);
    }
  } finally {
    await browser.close();
  }
  return written;
}

async function main(): Promise<void> {
  await mkdir(out, { recursive: true });
  const trigger = lastMondayMorning(Date.now());
  log(`starting a private stack on ${PORTS.workerPort}; the crons run at ${new Date(trigger).toISOString()}`);
  const stack = await startStack({
    ...PORTS,
    quiet: true,
    stripe: false,
    vars: { STAFF_EMAIL, SEAL_DAYS_PER_RUN: '0' },
  });
  try {
    const url = stack.workerUrl;
    const ids = await configure(url);
    log(
      `seeded ${(await seed(stack, ids, trigger)).toLocaleString('en-US')} events for ${SITES.length} sites`,
    );

    // Sunday 23:45 with ClickHouse down: the jobs that read it fail, and the operator hears of it once.
    await stack.stopClickHouse();
    await runCron(url, EVERY_15_MINUTES, trigger - 7 * 60 * MINUTE_MS - 15 * MINUTE_MS).catch(() => {
      // The trigger reports its failed jobs as a failed invocation; the alert is the point.
    });
    await stack.startClickHouse();
    // Monday 07:00: the failed jobs recover (recovery notices); reports, alerts, metering (the free
    // plan's limit is passed) and the operator's email, which lists yesterday's failed runs.
    await runCron(url, EVERY_15_MINUTES, trigger);

    const mail = await listOutbox(url);
    for (const m of mail) log(`mailbox: ${m.kind.padEnd(14)} ${m.to.padEnd(21)} ${m.subject}`);
    const written = await shoot(url, mail);
    const missing = SHOTS.map((s) => s.name).filter((name) => !written.includes(name));
    if (missing.length > 0) throw new Error(`no mail for ${missing.join(', ')}`);
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
