import { createScheduledController } from 'cloudflare:test';
import { expect } from 'vitest';
import type { RecipientJson } from '../../../functions/reports/store';
import { runScheduled } from '../../../workers/cron/scheduled';
import type { JobOutcome } from '../../../workers/jobs/dispatcher';
import { type OutboxMail, outboxMails, type TestAccount, uniqueEmail } from '../helpers/accounts';
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
export function reportMails(to: string): Promise<OutboxMail[]> {
  return outboxMails(to, ['report']);
}

/** An address no other test uses. */
export function recipientAddress(label = 'reader'): string {
  return uniqueEmail(label);
}
