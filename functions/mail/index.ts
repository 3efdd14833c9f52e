import { isDevelopment } from '../../workers/config';
import type { Env } from '../../workers/env';
import type { Mailer } from './mailer';
import { OutboxMailer } from './outbox';
import { ProviderMailer } from './provider';

export type { Mailer, MailMessage } from './mailer';
export { escapeHtml } from './mailer';

/**
 * The provider when `MAIL_API_TOKEN` is set, else the local outbox in development. Production
 * (anything that is not development) without a token would silently keep mail, and its tokens,
 * in D1, so it refuses instead.
 */
export function mailerFor(env: Env, transport: typeof fetch = fetch): Mailer {
  if (env.MAIL_API_TOKEN) {
    return new ProviderMailer({
      url: env.MAIL_PROVIDER_URL || 'https://api.postmarkapp.com/email',
      token: env.MAIL_API_TOKEN,
      from: env.MAIL_FROM || 'Edgebear <no-reply@edgebear.example>',
      db: env.DB,
      fetch: transport,
    });
  }
  if (!isDevelopment(env)) {
    throw new Error('MAIL_API_TOKEN is not set: production mail needs a provider');
  }
  return new OutboxMailer(env.DB);
}
