/** One email, in both a plain-text and an HTML part. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What it is for: 'verify', 'reset', 'login_alert', … (stored, shown at /dev/mail). */
  kind: string;
  /**
   * Values in the body that must not be kept anywhere once the mail is out (the token in a
   * reset link). A provider-backed mailer stores the outbox copy with these redacted.
   */
  secrets?: string[];
  /**
   * The one-click unsubscribe URL of a recurring mail (reports, alerts): sent as the
   * `List-Unsubscribe` and `List-Unsubscribe-Post` headers (RFC 8058), which large mailbox
   * providers require of bulk senders. The URL must accept a POST without a session.
   */
  unsubscribeUrl?: string;
}

/** Sends account email. One real implementation (`ProviderMailer`) and the local `OutboxMailer`. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export const REDACTED = '[redacted]';

/** The message with every secret replaced by `[redacted]`. */
export function redact(message: MailMessage): MailMessage {
  let { text, html } = message;
  for (const secret of message.secrets ?? []) {
    if (!secret) continue;
    text = text.split(secret).join(REDACTED);
    html = html.split(secret).join(REDACTED);
  }
  return { ...message, text, html, secrets: [] };
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
