/**
 * The messages of a stack's development mailbox (GET /dev/mail, the D1 outbox as pages), with
 * their HTML part: the mail screenshot script and the mail end-to-end test read what the crons
 * sent exactly as a developer sees it at /dev/mail.
 */

export interface OutboxEntry {
  id: number;
  to: string;
  subject: string;
  kind: string;
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Every message the mailbox lists (its newest 200), oldest first. */
export async function listOutbox(workerUrl: string): Promise<OutboxEntry[]> {
  const response = await fetch(`${workerUrl}/dev/mail`);
  if (!response.ok) throw new Error(`GET /dev/mail answered ${response.status}`);
  const page = await response.text();
  // Rows: created, to, <a href="/dev/mail/<id>">subject</a>, kind, error; newest first.
  const rows = page.matchAll(
    /<tr><td[^>]*>[^<]*<\/td><td>([^<]*)<\/td><td><a href="\/dev\/mail\/(\d+)">([^<]*)<\/a><\/td><td>([^<]*)<\/td>/g,
  );
  return [...rows]
    .map((m) => ({
      id: Number(m[2]),
      to: unescapeHtml(m[1] ?? ''),
      subject: unescapeHtml(m[3] ?? ''),
      kind: unescapeHtml(m[4] ?? ''),
    }))
    .reverse();
}

/** The HTML part of message `id`, as the mailbox's sandboxed frame shows it. */
export async function outboxHtml(workerUrl: string, id: number): Promise<string> {
  const response = await fetch(`${workerUrl}/dev/mail/${id}`);
  if (!response.ok) throw new Error(`GET /dev/mail/${id} answered ${response.status}`);
  const found = /<iframe[^>]* srcdoc="([^"]*)"/.exec(await response.text());
  if (!found?.[1]) throw new Error(`message ${id} has no HTML part`);
  return unescapeHtml(found[1]);
}
