import { escapeHtml, type MailMessage } from '../mail';

/** Account emails. Links carry tokens only where they must (verify, reset), listed in `secrets`. */

function layout(title: string, paragraphs: string[], link?: { href: string; label: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const button = link
    ? `<p><a href="${escapeHtml(link.href)}" style="display:inline-block;padding:10px 16px;background:#1f2937;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(link.label)}</a></p>\n<p style="color:#6b7280;font-size:13px">${escapeHtml(link.href)}</p>`
    : '';
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111827;max-width:560px">
<h2>${escapeHtml(title)}</h2>
${body}
${button}
<p style="color:#6b7280;font-size:13px">Edgebear</p>
</body></html>`;
}

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
