import type { MailMessage } from '../mail';
import { mailLayout as layout } from '../mail/layout';

/** Account emails. Links carry tokens only where they must (verify, reset), listed in `secrets`. */

export function verificationEmail(to: string, appUrl: string, token: string): MailMessage {
  const link = `${appUrl}/verify-email?token=${token}`;
  const lines = ['Welcome to Edgebear. Please confirm that this is your email address.'];
  return {
    to,
    kind: 'verify',
    subject: 'Confirm your email for Edgebear',
    text: `${lines.join('\n\n')}\n\n${link}\n\nThe link works for 24 hours. If you did not sign up, ignore this email.\n`,
    html: layout('Confirm your email', [...lines, 'The link works for 24 hours.'], {
      href: link,
      label: 'Confirm email',
    }),
    secrets: [token],
  };
}

export function passwordResetEmail(to: string, appUrl: string, token: string): MailMessage {
  const link = `${appUrl}/reset-password?token=${token}`;
  const lines = [
    'Someone asked to reset the password of your Edgebear account. If it was you, choose a new password:',
  ];
  const after =
    'The link works for one hour and once. If it was not you, ignore this email: nothing changes.';
  return {
    to,
    kind: 'reset',
    subject: 'Reset your Edgebear password',
    text: `${lines.join('\n\n')}\n\n${link}\n\n${after}\n`,
    html: layout('Reset your password', [...lines, after], { href: link, label: 'Choose a new password' }),
    secrets: [token],
  };
}

export interface SignInDetails {
  browser: string;
  os: string;
  city: string;
  country: string;
  /** UTC ISO time of the sign-in. */
  at: string;
}

/** "Berlin, DE", "DE", or "an unknown place". */
export function placeOf(details: Pick<SignInDetails, 'city' | 'country'>): string {
  return [details.city, details.country].filter(Boolean).join(', ') || 'an unknown place';
}

/** Sent on every completed sign-in (not on signup). Coarse details only: never the IP. */
export function signInAlertEmail(to: string, appUrl: string, details: SignInDetails): MailMessage {
  const link = `${appUrl}/settings/sessions`;
  const lines = [
    'There was a new sign-in to your Edgebear account.',
    `Browser: ${details.browser || 'unknown'}`,
    `Operating system: ${details.os || 'unknown'}`,
    `Approximate place: ${placeOf(details)}`,
    `Time: ${details.at} (UTC)`,
    'If this was you, there is nothing to do. If not, review your sessions, sign out everywhere and change your password.',
  ];
  return {
    to,
    kind: 'login_alert',
    subject: 'New sign-in to Edgebear',
    text: `${lines.join('\n')}\n\nReview your sessions: ${link}\n`,
    html: layout('New sign-in to Edgebear', lines, { href: link, label: 'Review sessions' }),
  };
}

/**
 * The one-time link that finishes a sign-in while the account's failure limit has tripped
 * (login-guard.ts). Sent only after a right password, so it also tells the owner that someone
 * (they, we hope) knows it.
 */
export function signInLinkEmail(to: string, appUrl: string, token: string): MailMessage {
  const link = `${appUrl}/sign-in?token=${token}`;
  const lines = [
    'Someone entered the right password for your Edgebear account. Because of several failed sign-ins lately, signing in needs this link as well:',
  ];
  const after =
    'The link works for 15 minutes and once. If it was not you, someone knows your password: reset it now.';
  return {
    to,
    kind: 'login_link',
    subject: 'Finish signing in to Edgebear',
    text: `${lines.join('\n\n')}\n\n${link}\n\n${after}\n`,
    html: layout('Finish signing in', [...lines, after], { href: link, label: 'Finish signing in' }),
    secrets: [token],
  };
}

/** Sent when a pending sign-in is ended after too many wrong second-factor codes. Never the IP. */
export function secondFactorFailuresEmail(
  to: string,
  appUrl: string,
  failures: number,
  details: SignInDetails,
): MailMessage {
  const link = `${appUrl}/reset-password`;
  const lines = [
    `Someone entered your password correctly but failed the second factor ${failures} times, so we ended that sign-in.`,
    `Browser: ${details.browser || 'unknown'}`,
    `Operating system: ${details.os || 'unknown'}`,
    `Approximate place: ${placeOf(details)}`,
    `Time: ${details.at} (UTC)`,
    'If this was not you, your password is known to someone: choose a new one now.',
  ];
  return {
    to,
    kind: 'second_factor_failures',
    subject: 'Failed sign-in to Edgebear: wrong second-factor codes',
    text: `${lines.join('\n')}\n\nReset your password: ${link}\n`,
    html: layout('Failed sign-in to Edgebear', lines, { href: link, label: 'Reset your password' }),
  };
}

/** A change that retires other sessions and API keys (security-change.ts). */
export type CredentialChange = 'password_reset' | 'password_changed' | 'totp_enabled' | 'totp_disabled';

const CHANGE_TEXT: Record<CredentialChange, { subject: string; sentence: string }> = {
  password_reset: { subject: 'Your Edgebear password was reset', sentence: 'Your password was reset' },
  password_changed: { subject: 'Your Edgebear password was changed', sentence: 'Your password was changed' },
  totp_enabled: {
    subject: 'Two-factor authentication is on',
    sentence: 'On your account, two-factor authentication was turned on',
  },
  totp_disabled: {
    subject: 'Two-factor authentication is off',
    sentence: 'On your account, two-factor authentication was turned off',
  },
};

/** "2 API keys were revoked …" or "No API keys were active …": what the change did to keys. */
export function revokedKeysText(apiKeys: number): string {
  if (apiKeys === 0) return 'No API keys were active, so none needed revoking.';
  const revoked =
    apiKeys === 1 ? '1 API key was revoked and needs' : `${apiKeys} API keys were revoked and need`;
  return `${revoked} re-creating: create new ones in the dashboard and update your integrations.`;
}

/** Sent after a password reset or change and after 2FA is turned on or off. */
export function securityChangeEmail(
  to: string,
  appUrl: string,
  change: CredentialChange,
  revoked: { sessions: number; apiKeys: number; at: string },
): MailMessage {
  const { subject, sentence } = CHANGE_TEXT[change];
  const lines = [
    `${sentence} at ${revoked.at} (UTC).`,
    revoked.sessions === 0
      ? 'No other sessions were signed in.'
      : `We signed out ${revoked.sessions === 1 ? '1 session' : `${revoked.sessions} sessions`}.`,
    revokedKeysText(revoked.apiKeys),
    'If this was not you, reset your password now.',
  ];
  const link = `${appUrl}/settings`;
  return {
    to,
    kind: 'security_change',
    subject,
    text: `${lines.join('\n')}\n\nYour account: ${link}\n`,
    html: layout(subject, lines, { href: link, label: 'Open your account' }),
  };
}
