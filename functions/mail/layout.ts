import { escapeHtml } from './mailer';

/**
 * The HTML part of every Edgebear mail: a title, paragraphs of plain text (escaped here) and an
 * optional button whose URL is repeated as text, for mail clients that hide buttons.
 */
export function mailLayout(
  title: string,
  paragraphs: string[],
  link?: { href: string; label: string },
): string {
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
