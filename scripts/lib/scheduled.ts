/**
 * Runs one of the Worker's cron triggers on a local stack now, as Cloudflare would on schedule.
 * `wrangler dev` fires no crons by itself; Miniflare's trigger route
 * (`/cdn-cgi/local/scheduled`, on in every `wrangler dev`, no --test-scheduled needed) runs the
 * scheduled handler and answers once it has finished.
 */
export async function runCron(workerUrl: string, cron: string, atMs?: number): Promise<void> {
  const query = new URLSearchParams({ cron });
  if (atMs !== undefined) query.set('time', String(atMs));
  const response = await fetch(`${workerUrl}/cdn-cgi/local/scheduled?${query}`);
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`cron ${cron}: the scheduled trigger answered ${response.status}: ${text.slice(0, 200)}`);
  }
}

/** The 15-minute trigger of wrangler.toml: salts, sealed days, usage metering. */
export const EVERY_15_MINUTES = '*/15 * * * *';
