/**
 * `npm run drill:quota`: a customer over their plan, end to end, on a private stack (ClickHouse,
 * wrangler dev, local Stripe). The owner signs up, adds a site and buys the Growth plan through
 * the local Stripe checkout (a real period from the webhook); the operator gives the profile a tiny
 * custom limit (LIMIT events); then the site sends 3 × LIMIT events across a simulated period while
 * the 15-minute cron is driven in workerd at chosen times:
 *
 *   84 % → cron: warning (one mail) → 120 % → cron +1 h: grace (one "capacity depleted" mail)
 *   → 200 % during grace, all stored → cron +7 days: over → the last third answers 202 over_quota
 *   → the owner upgrades to Business in the local Billing Portal ("Switch to Business"), whose
 *   `customer.subscription.updated` webhook changes the plan after the operator's override, so
 *   the larger limit (Business's) counts and the state is decided again → the very next event is
 *   stored.
 *
 * Time: the cron runs through miniflare's trigger endpoint, /cdn-cgi/local/scheduled?cron=…&time=<ms>
 * (always on in `wrangler dev`, no --test-scheduled needed), so the job sees a simulated
 * `scheduledTime` while events arrive in real time. The job stores the states it decides, and the
 * ingest capacity check honours a stored `over`, so no clock in the Worker is faked.
 *
 * Checks (exit code 1 when any fails): no non-2xx at ingest; every event sent before the over
 * state is stored (counted in ClickHouse); warning and depleted mails exactly once each in the
 * outbox; over_quota drops only after grace, for every event sent while over, and counted in
 * over_events; the upgrade restores ingest with the first event after it.
 */
import { createClient } from '@clickhouse/client-web';
import { SESSION_SETTINGS } from '../workers/clickhouse/settings';
import { startStack } from './lib/stack';
import { StackOwner, stackAdmin } from './lib/stack-owner';

const LIMIT = Number(process.env.DRILL_LIMIT ?? 50);
const OFFSET = Number(process.env.EDGEBEAR_TEST_PORT_OFFSET ?? 0) || 0;
const CLICKHOUSE_PORT = 18226 + OFFSET;
const WORKER_PORT = 18889 + OFFSET;
const CRON = '*/15 * * * *';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const checks: Check[] = [];
function check(name: string, ok: boolean, detail: string): void {
  checks.push({ name, ok, detail });
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
}

interface Billing {
  plan: string;
  state: string;
  period_start: string | null;
  period_end: string | null;
  grace_ends_at: string | null;
  usage: { events: number; limit: number; percent: number; over_events: number };
}

async function main(): Promise<void> {
  console.log(`starting a private stack (ClickHouse on ${CLICKHOUSE_PORT}, Worker on ${WORKER_PORT})…`);
  const stack = await startStack({
    clickhousePort: CLICKHOUSE_PORT,
    workerPort: WORKER_PORT,
    quiet: true,
    logFile: process.env.DRILL_LOG ?? '.tmp-drill-quota-wrangler.log',
  });
  const ch = createClient({
    url: stack.clickhouseUrl,
    password: stack.password,
    database: 'edgebear',
    clickhouse_settings: SESSION_SETTINGS,
  });
  const url = (path: string) => `${stack.workerUrl}${path}`;
  try {
    // --- The customer: account, site, a paid plan bought through the local Stripe checkout.
    const email = `quota-drill-${Date.now().toString(36)}@example.com`;
    const owner = await StackOwner.signUp(stack.workerUrl, email);
    const domain = 'quota-drill.example';
    const site = (await owner.expect('POST', '/api/sites', { domain }, 201)).site as { id: number };

    const checkout = await owner.expect(
      'POST',
      '/api/billing/checkout',
      { plan: 'growth', interval: 'month' },
      200,
    );
    const pay = await fetch(`${String(checkout.url)}/pay`, { method: 'POST', redirect: 'manual' });
    await pay.arrayBuffer();
    const billing = async (): Promise<Billing> =>
      (await owner.expect('GET', '/api/billing', undefined, 200)) as unknown as Billing;
    let bought = await billing();
    for (let i = 0; i < 50 && bought.plan !== 'growth'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      bought = await billing();
    }
    if (bought.plan !== 'growth')
      throw new Error(`the checkout webhook did not apply the plan: ${JSON.stringify(bought)}`);
    console.log(`owner ${email} bought Growth; billing period ${bought.period_start} → ${bought.period_end}`);

    // --- The operator: a tiny custom limit on this profile (a fresh stack: the owner's profile is 1).
    type Profile = {
      owner_user_id: number;
      custom_monthly_events: number | null;
      limits: { monthly_events: number };
    };
    const admin = async (method: string, body?: unknown): Promise<Profile> =>
      (await stackAdmin(stack.workerUrl, method, '/admin/api/billing-profiles/1', body))
        .billing_profile as Profile;
    if ((await admin('GET')).owner_user_id !== owner.userId)
      throw new Error('profile 1 is not the drill owner’s');
    await admin('PATCH', { custom_monthly_events: LIMIT });
    console.log(`operator set a custom limit of ${LIMIT} events`);

    // --- Sending, and the cron at simulated times.
    let sent = 0;
    let non2xx = 0;
    const dropReasons = new Map<string, number>();
    /** Sends `n` pageviews; answers how many were accepted (202 without a drop reason). */
    const sendEvents = async (n: number, label: string): Promise<{ accepted: number; overQuota: number }> => {
      let accepted = 0;
      let overQuota = 0;
      for (let i = 0; i < n; i++) {
        const k = sent++;
        const res = await fetch(url('/api/event'), {
          method: 'POST',
          headers: {
            'content-type': 'text/plain',
            'cf-connecting-ip': `198.18.${(k >> 8) & 255}.${k & 255}`,
            'user-agent': CHROME,
          },
          body: JSON.stringify({ n: 'pageview', u: `https://${domain}/${label}/${k}`, d: domain }),
        });
        await res.arrayBuffer();
        const dropped = res.headers.get('x-edgebear-dropped');
        if (res.status < 200 || res.status > 299) non2xx++;
        else if (dropped === null) accepted++;
        else {
          dropReasons.set(dropped, (dropReasons.get(dropped) ?? 0) + 1);
          if (dropped === 'over_quota') overQuota++;
        }
      }
      return { accepted, overQuota };
    };
    const stored = async (pattern = '/%'): Promise<number> => {
      const result = await ch.query({
        query: 'SELECT count() AS n FROM events WHERE site_id = {site:UInt32} AND pathname LIKE {p:String}',
        query_params: { site: site.id, p: pattern },
        format: 'JSONEachRow',
      });
      return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
    };
    /** Waits until ClickHouse holds `expected` events of the site (the queue consumer is asynchronous). */
    const landed = async (expected: number): Promise<number> => {
      const deadline = Date.now() + 30_000;
      let n = await stored();
      while (n < expected && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        n = await stored();
      }
      return n;
    };
    const cron = async (atMs: number): Promise<void> => {
      const res = await fetch(url(`/cdn-cgi/local/scheduled?cron=${encodeURIComponent(CRON)}&time=${atMs}`));
      const text = await res.text();
      if (res.status !== 200)
        throw new Error(`the scheduled trigger answered ${res.status}: ${text.slice(0, 200)}`);
    };
    const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

    const t0 = Date.now();
    console.log(`\n1. ${Math.ceil(LIMIT * 0.84)} events (84 %), cron at ${at(t0)}`);
    const a = await sendEvents(Math.ceil(LIMIT * 0.84), 'ok');
    await landed(a.accepted);
    await cron(t0);
    const afterA = await billing();
    check('84 %: all accepted', a.accepted === Math.ceil(LIMIT * 0.84), `${a.accepted} accepted`);
    check(
      '84 %: state warning',
      afterA.state === 'warning',
      `${afterA.state}, ${afterA.usage.events}/${afterA.usage.limit}`,
    );

    const t1 = t0 + HOUR_MS;
    const toGrace = Math.ceil(LIMIT * 1.2) - sent;
    console.log(`2. ${toGrace} more (120 %), cron at ${at(t1)}`);
    const b = await sendEvents(toGrace, 'grace');
    await landed(a.accepted + b.accepted);
    await cron(t1);
    const afterB = await billing();
    check('120 %: all accepted', b.accepted === toGrace, `${b.accepted} accepted`);
    check(
      '120 %: state grace',
      afterB.state === 'grace',
      `${afterB.state}, grace ends ${afterB.grace_ends_at}`,
    );

    const t2 = t1 + 3 * DAY_MS;
    const toDouble = 2 * LIMIT - sent;
    console.log(`3. cron at ${at(t2)} (grace, day 3), then ${toDouble} more (200 %), cron again`);
    await cron(t2);
    const c = await sendEvents(toDouble, 'grace');
    const beforeOver = a.accepted + b.accepted + c.accepted;
    const inClickHouse = await landed(beforeOver);
    await cron(t2 + 15 * 60_000);
    const afterC = await billing();
    check('grace: every event accepted', c.accepted === toDouble, `${c.accepted} of ${toDouble} accepted`);
    check(
      'grace: every event sent so far stored in ClickHouse',
      inClickHouse === sent && beforeOver === sent,
      `${inClickHouse} stored of ${sent} sent`,
    );
    check(
      'grace: still grace on day 3',
      afterC.state === 'grace',
      `${afterC.state}, ${afterC.usage.events} events metered`,
    );

    const t3 = t1 + 7 * DAY_MS + 15 * 60_000;
    const rest = 3 * LIMIT - sent;
    console.log(`4. cron at ${at(t3)} (grace over), then the last ${rest} events (to 300 %)`);
    await cron(t3);
    const afterD = await billing();
    check('after grace: state over', afterD.state === 'over', afterD.state);
    const d = await sendEvents(rest, 'over');
    await cron(t3 + 15 * 60_000);
    await cron(t3 + 30 * 60_000);
    check('over: every event answered 202 over_quota', d.overQuota === rest, `${d.overQuota} of ${rest}`);
    check(
      'over_quota only after grace',
      (dropReasons.get('over_quota') ?? 0) === d.overQuota &&
        a.accepted + b.accepted + c.accepted === sent - rest,
      `${dropReasons.get('over_quota') ?? 0} over_quota drops, all in step 4`,
    );
    // Refused events are written at most every 10 s per isolate, after a response.
    await new Promise((r) => setTimeout(r, 10_500));
    const last = await sendEvents(1, 'over');
    let afterFlush = await billing();
    for (let i = 0; i < 20 && afterFlush.usage.over_events < rest + 1; i++) {
      await new Promise((r) => setTimeout(r, 250));
      afterFlush = await billing();
    }
    check(
      'over: refused events counted',
      last.overQuota === 1 && afterFlush.usage.over_events === rest + 1,
      `over_events ${afterFlush.usage.over_events} (refused ${rest + 1})`,
    );

    console.log('5. the owner upgrades to Business in the Billing Portal');
    // The local Stripe delivers customer.subscription.updated to the Worker before it answers.
    const switched = await switchPlanInPortal(owner, 'Business');
    const upgraded = await billing();
    check(
      'upgrade: the webhook applied Business over the custom limit',
      switched && upgraded.plan === 'business' && upgraded.usage.limit === 1_000_000,
      `plan ${upgraded.plan}, limit ${upgraded.usage.limit} (custom limit ${(await admin('GET')).custom_monthly_events} still set)`,
    );
    const e = await sendEvents(1, 'restored');
    const f = await sendEvents(4, 'restored');
    const afterE = await billing();
    check('upgrade: the first event after it is stored', e.accepted === 1, `${e.accepted} of 1 accepted`);
    check('upgrade: ingest stays open', f.accepted === 4, `${f.accepted} of 4 accepted`);
    check('upgrade: state ok', afterE.state === 'ok', `${afterE.state}, limit ${afterE.usage.limit}`);
    const expectedStored = beforeOver + e.accepted + f.accepted;
    const finalStored = await landed(expectedStored);
    check(
      'ClickHouse holds exactly the accepted events',
      finalStored === expectedStored && (await stored('/over/%')) === 0,
      `${finalStored} stored, ${expectedStored} accepted, ${await stored('/over/%')} of the refused`,
    );

    const mailbox = await (await fetch(url('/dev/mail'))).text();
    const kinds = [
      ...mailbox.matchAll(
        /<td>([^<]*)<\/td><td><a href="\/dev\/mail\/\d+">[^<]*<\/a><\/td><td>([^<]*)<\/td>/g,
      ),
    ]
      .filter((m) => m[1] === email)
      .map((m) => m[2]);
    const warnings = kinds.filter((k) => k === 'quota_warning').length;
    const depleted = kinds.filter((k) => k === 'quota_depleted').length;
    check('one warning mail', warnings === 1, `${warnings}`);
    check('one capacity-depleted mail', depleted === 1, `${depleted}`);
    check('no non-2xx answer at ingest', non2xx === 0, `${non2xx} of ${sent}`);

    const failed = checks.filter((x) => !x.ok);
    console.log(
      `\nsent ${sent} events against a limit of ${LIMIT}: stored ${finalStored}, refused over_quota ${dropReasons.get('over_quota') ?? 0}, ` +
        `other drops ${[...dropReasons].filter(([k]) => k !== 'over_quota').reduce((n, [, v]) => n + v, 0)}, non-2xx ${non2xx}; ` +
        `mails: ${warnings} warning, ${depleted} depleted`,
    );
    console.log(
      failed.length === 0 ? 'DRILL PASSED' : `DRILL FAILED (${failed.map((x) => x.name).join('; ')})`,
    );
    process.exitCode = failed.length === 0 ? 0 : 1;
  } finally {
    await ch.close();
    await stack.close();
  }
}

/**
 * Presses "Switch to <plan> (monthly)" on the owner's local Billing Portal page, as the owner's
 * browser would (tools/stripe/pages.ts: a form POST with the price as a hidden field). Answers
 * whether the portal took it (303 back to the portal page).
 */
async function switchPlanInPortal(owner: StackOwner, planName: string): Promise<boolean> {
  const portal = String((await owner.expect('POST', '/api/billing/portal', {}, 200)).url);
  const page = await (await fetch(portal)).text();
  const form = new RegExp(
    `<form method="post" action="([^"]+/switch)"><input type="hidden" name="price" value="([^"]+)"><button[^>]*>Switch to ${planName} \\(monthly\\)<`,
  ).exec(page);
  if (!form?.[1] || !form[2]) throw new Error(`no "Switch to ${planName}" on the portal page ${portal}`);
  const response = await fetch(new URL(form[1], portal), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ price: form[2] }).toString(),
  });
  await response.arrayBuffer();
  return response.status === 303;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
