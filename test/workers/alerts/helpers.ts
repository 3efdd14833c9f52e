import { createScheduledController } from 'cloudflare:test';
import { expect } from 'vitest';
import type { AlertSettings } from '../../../functions/alerts/settings';
import { runScheduled } from '../../../workers/cron/scheduled';
import type { Env } from '../../../workers/env';
import type { EventRecord } from '../../../workers/events/record';
import type { JobOutcome } from '../../../workers/jobs/dispatcher';
import { blankEvent } from '../../fixtures/event-record';
import { type OutboxMail, outboxMails, type TestAccount, uniqueEmail } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { call } from '../sites/client';
import { event } from '../stats/fixtures';

/** Changes a site's alerts through the API, as the settings page does. */
export async function setAlerts(owner: TestAccount, siteId: number, body: unknown): Promise<AlertSettings> {
  const res = await call<{ alerts: AlertSettings }>('PATCH', `/api/sites/${siteId}/alerts`, {
    as: owner,
    body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.alerts;
}

/** One 15-minute trigger at `iso`, through the dispatcher: what the site_alerts job did. */
export async function alertsOutcome(iso: string, env: Env = testEnv): Promise<JobOutcome | undefined> {
  const outcomes = await runScheduled(
    createScheduledController({ cron: '*/15 * * * *', scheduledTime: Date.parse(iso) }),
    env,
  );
  return outcomes.find((o) => o.job === 'site_alerts');
}

/** The site_alerts job's status at `iso`; its error, if it failed, fails the test. */
export async function alertsRunAt(iso: string): Promise<string | undefined> {
  const outcome = await alertsOutcome(iso);
  if (outcome?.status === 'error') throw new Error(`site_alerts failed: ${outcome.error}`);
  return outcome?.status;
}

/** Alert mails that reached `to` (failed sends left out), oldest first. */
export function alertMails(to: string): Promise<OutboxMail[]> {
  return outboxMails(to, ['alert_spike', 'alert_drop', 'alert_vitals']);
}

/** An address no other test uses. */
export function recipientAddress(label = 'reader'): string {
  return uniqueEmail(label);
}

let visitorCounter = 0;

/** `count` pageviews of `count` different visitors at `iso` (plus i seconds each). */
export function visitors(siteId: number, iso: string, count: number): EventRecord[] {
  const at = Date.parse(iso);
  return Array.from({ length: count }, (_, i) => {
    visitorCounter++;
    const v = 7_000_000 + visitorCounter;
    return event(siteId, new Date(at + i * 1000).toISOString(), { visitor: v, session: v });
  });
}

/** `count` page loads with these web vitals at `iso` (plus i seconds each). */
export function pageLoads(
  siteId: number,
  iso: string,
  count: number,
  vitals: { lcp: number; inp: number; cls: number },
): EventRecord[] {
  const at = Math.floor(Date.parse(iso) / 1000);
  return Array.from({ length: count }, (_, i) => {
    visitorCounter++;
    const v = String(8_000_000 + visitorCounter);
    return {
      ...blankEvent(),
      site_id: siteId,
      timestamp: at + i,
      kind: 'performance',
      name: 'performance',
      visitor_id: v,
      session_id: v,
      hostname: 'shop.example',
      pathname: '/',
      channel: 'Direct',
      interactive: 0,
      lcp_ms: vitals.lcp,
      inp_ms: vitals.inp,
      cls: vitals.cls,
      fcp_ms: 900,
      ttfb_ms: 200,
    };
  });
}

/** The link labelled `label` in a mail's plain-text part. */
export function linkIn(mail: OutboxMail, label: string): string {
  const line = mail.text.split('\n').find((l) => l.startsWith(`${label}: `));
  if (!line) throw new Error(`no "${label}" link in mail ${mail.id}`);
  return line.slice(label.length + 2).trim();
}
