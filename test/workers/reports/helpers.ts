import { createScheduledController } from 'cloudflare:test';
import { expect } from 'vitest';
import type { RecipientJson } from '../../../functions/reports/store';
import { runScheduled } from '../../../workers/cron/scheduled';
import type { JobOutcome } from '../../../workers/jobs/dispatcher';
import type { OutboxMail, TestAccount } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { call } from '../sites/client';

/** Adds (or changes) a recipient through the API, as the settings page does. */
export async function addRecipient(
  owner: TestAccount,
  siteId: number,
  recipient: Partial<RecipientJson> & { email: string },
): Promise<RecipientJson> {
  const res = await call<{ recipient: RecipientJson }>('POST', `/api/sites/${siteId}/reports`, {
    as: owner,
    body: recipient,
  });
  expect([200, 201]).toContain(res.status);
  return res.body.recipient;
}

/** One 15-minute trigger at `iso`, through the dispatcher, as the platform runs it. */
export async function cronAt(iso: string): Promise<JobOutcome[]> {
  return runScheduled(
    createScheduledController({ cron: '*/15 * * * *', scheduledTime: Date.parse(iso) }),
    testEnv,
  );
}

/** Report mails to `to` in the outbox, oldest first. */
export async function reportMails(to: string): Promise<OutboxMail[]> {
  const { results } = await testEnv.DB.prepare(
    "SELECT id, to_address, subject, text, html, kind FROM email_outbox WHERE to_address = ?1 AND kind = 'report' ORDER BY id",
  )
    .bind(to)
    .all<OutboxMail>();
  return results;
}

let counter = 0;

/** An address no other test uses. */
export function recipientAddress(label = 'reader'): string {
  counter++;
  return `${label}-${Date.now().toString(36)}${counter}@example.org`;
}
