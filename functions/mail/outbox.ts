import type { Mailer, MailMessage } from './mailer';

export interface OutboxRecord {
  sentAt: string | null;
  providerId: string | null;
  error: string | null;
}

/** Writes one row to `email_outbox`; returns its id. */
export async function recordMail(
  db: D1Database,
  message: MailMessage,
  record: OutboxRecord,
): Promise<number> {
  const row = await db
    .prepare(
      `INSERT INTO email_outbox (to_address, subject, text, html, kind, sent_at, provider_id, error)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id`,
    )
    .bind(
      message.to,
      message.subject,
      message.text,
      message.html,
      message.kind,
      record.sentAt,
      record.providerId,
      record.error,
    )
    .first<{ id: number }>();
  if (!row) throw new Error('outbox insert returned nothing');
  return row.id;
}

/**
 * Development and tests (no MAIL_API_TOKEN): the D1 outbox is the mailbox. Messages are kept
 * in full, links with tokens included, because that is how a developer follows a reset link
 * (/dev/mail). Never used in production: see `mailerFor`.
 */
export class OutboxMailer implements Mailer {
  constructor(private readonly db: D1Database) {}

  async send(message: MailMessage): Promise<void> {
    await recordMail(this.db, message, {
      sentAt: new Date().toISOString(),
      providerId: 'outbox',
      error: null,
    });
  }
}
