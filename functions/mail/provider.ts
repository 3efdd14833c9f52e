import { type Mailer, type MailMessage, redact } from './mailer';
import { recordMail } from './outbox';

export interface ProviderMailerOptions {
  /** Postmark's `https://api.postmarkapp.com/email`, or a compatible endpoint. */
  url: string;
  /** Server token, sent as `X-Postmark-Server-Token`. */
  token: string;
  /** `Edgebear <no-reply@…>`: must be a sender signature verified at the provider. */
  from: string;
  /** Where the redacted copy of each message is recorded. */
  db: D1Database;
  /** The transport; production passes `fetch`, tests a recorder. */
  fetch: typeof fetch;
  timeoutMs?: number;
}

export class MailDeliveryError extends Error {
  override name = 'MailDeliveryError';
}

/**
 * Sends through a transactional provider's JSON API (Postmark's `POST /email`), then keeps a
 * copy in the outbox with `message.secrets` redacted, so tokens never rest in D1 in production.
 * A failed send is recorded with its error and thrown; token mails are not retried (the token
 * is gone), the user asks again.
 */
export class ProviderMailer implements Mailer {
  constructor(private readonly options: ProviderMailerOptions) {}

  async send(message: MailMessage): Promise<void> {
    let providerId: string | null = null;
    let error: string | null = null;
    // Called unbound: workerd's fetch throws "Illegal invocation" when called as a method.
    const transport = this.options.fetch;
    try {
      const response = await transport(this.options.url, {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          'Content-Type': 'application/json',
          'X-Postmark-Server-Token': this.options.token,
        },
        body: JSON.stringify({
          From: this.options.from,
          To: message.to,
          Subject: message.subject,
          TextBody: message.text,
          HtmlBody: message.html,
          Tag: message.kind,
          MessageStream: 'outbound',
          ...(message.unsubscribeUrl
            ? {
                Headers: [
                  { Name: 'List-Unsubscribe', Value: `<${message.unsubscribeUrl}>` },
                  { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
                ],
              }
            : {}),
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const body = (await response.json().catch(() => ({}))) as {
        MessageID?: unknown;
        ErrorCode?: unknown;
        Message?: unknown;
      };
      if (response.ok && (body.ErrorCode === undefined || body.ErrorCode === 0)) {
        providerId = typeof body.MessageID === 'string' ? body.MessageID : '';
      } else {
        // The provider's message, never our request: that would echo the body with its tokens.
        error = `HTTP ${response.status}: code ${String(body.ErrorCode ?? '?')} ${String(body.Message ?? '').slice(0, 200)}`;
      }
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}`.slice(0, 300) : 'send failed';
    }
    await recordMail(this.options.db, redact(message), {
      sentAt: error ? null : new Date().toISOString(),
      providerId,
      error,
    });
    if (error) throw new MailDeliveryError(error);
  }
}
