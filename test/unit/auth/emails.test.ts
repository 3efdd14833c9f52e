import { describe, expect, it } from 'vitest';
import {
  passwordResetEmail,
  revokedKeysText,
  securityChangeEmail,
  signInAlertEmail,
  signInLinkEmail,
  verificationEmail,
} from '../../../functions/auth/emails';
import { redact } from '../../../functions/mail/mailer';

describe('account emails', () => {
  it('sign-in alert names browser, OS, place and time, links to sessions, and escapes HTML', () => {
    const mail = signInAlertEmail('ana@example.com', 'https://app.example', {
      browser: 'Firefox',
      os: 'macOS',
      city: 'Berlin <b>',
      country: 'DE',
      at: '2026-11-26T10:00:00.000Z',
    });
    expect(mail.subject).toBe('New sign-in to Edgebear');
    expect(mail.kind).toBe('login_alert');
    for (const part of [mail.text]) {
      expect(part).toContain('Browser: Firefox');
      expect(part).toContain('Operating system: macOS');
      expect(part).toContain('Approximate place: Berlin <b>, DE');
      expect(part).toContain('2026-11-26T10:00:00.000Z');
      expect(part).toContain('https://app.example/settings/sessions');
    }
    expect(mail.html).toContain('Berlin &lt;b&gt;, DE');
    expect(mail.html).not.toContain('<b>,');
    expect(mail.secrets ?? []).toEqual([]);
  });

  it('says "an unknown place" without geo data', () => {
    const mail = signInAlertEmail('a@example.com', 'https://app.example', {
      browser: '',
      os: '',
      city: '',
      country: '',
      at: '2026-11-26T10:00:00.000Z',
    });
    expect(mail.text).toContain('Approximate place: an unknown place');
  });

  it('reset and verify mails carry their token as a secret that redaction removes', () => {
    for (const mail of [
      passwordResetEmail('a@example.com', 'https://app.example', 'TOKEN123abc'),
      verificationEmail('a@example.com', 'https://app.example', 'TOKEN123abc'),
      signInLinkEmail('a@example.com', 'https://app.example', 'TOKEN123abc'),
    ]) {
      expect(mail.text).toContain('TOKEN123abc');
      expect(mail.html).toContain('TOKEN123abc');
      const stored = redact(mail);
      expect(stored.text).not.toContain('TOKEN123abc');
      expect(stored.html).not.toContain('TOKEN123abc');
      expect(stored.text).toContain('[redacted]');
    }
  });

  it('security-change mail says what changed, how many sessions ended and how many keys need re-creating', () => {
    const mail = securityChangeEmail('a@example.com', 'https://app.example', 'totp_disabled', {
      sessions: 2,
      apiKeys: 3,
      at: '2026-11-26T10:00:00.000Z',
    });
    expect(mail.kind).toBe('security_change');
    expect(mail.text).toContain(
      'two-factor authentication was turned off at 2026-11-26T10:00:00.000Z (UTC).',
    );
    expect(mail.text).toContain('We signed out 2 sessions.');
    expect(mail.text).toContain('3 API keys were revoked and need re-creating');
    expect(revokedKeysText(1)).toMatch(/^1 API key was revoked and needs re-creating/);
    expect(revokedKeysText(0)).toBe('No API keys were active, so none needed revoking.');
  });
});
