/**
 * Reads the development mailbox (GET /dev/mail, the D1 outbox shown as pages) as a person would,
 * to follow the links account emails carry: the end-to-end tests and the screenshot script verify
 * a new account's email this way, as its owner clicks the link.
 */

/** The first group of `pattern` in the newest message to `to` that matches, waiting up to `timeoutMs`. */
export async function linkFromMailbox(
  workerUrl: string,
  to: string,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const list = await (await fetch(`${workerUrl}/dev/mail`)).text();
    // Rows: created, to, <a href="/dev/mail/<id>">subject</a>, kind; newest first.
    const ids = [
      ...list.matchAll(/<tr><td[^>]*>[^<]*<\/td><td>([^<]*)<\/td><td><a href="\/dev\/mail\/(\d+)"/g),
    ]
      .filter((match) => match[1] === to)
      .map((match) => match[2]);
    for (const id of ids) {
      const message = await (await fetch(`${workerUrl}/dev/mail/${id}`)).text();
      const found = pattern.exec(message);
      if (found?.[1]) return found[1];
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no mail to ${to} matching ${pattern} within ${timeoutMs / 1000} s`);
}

/** The token of the newest email-verification link sent to `to`. */
export function verificationToken(workerUrl: string, to: string): Promise<string> {
  return linkFromMailbox(workerUrl, to, /verify-email\?token=([A-Za-z0-9_-]+)/);
}
