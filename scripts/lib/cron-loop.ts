import { readFileSync } from 'node:fs';
import { Cron } from 'croner';

/** The cron triggers of wrangler.toml (one `crons = [...]` line), so this loop never drifts from it. */
export function wranglerCrons(path = 'wrangler.toml'): string[] {
  const line = readFileSync(path, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('crons = '));
  if (!line) throw new Error(`${path}: no "crons = [...]" line`);
  return JSON.parse(line.slice('crons = '.length)) as string[];
}

async function fire(workerUrl: string, cron: string): Promise<void> {
  try {
    const response = await fetch(`${workerUrl}/__scheduled?cron=${encodeURIComponent(cron)}`);
    const text = await response.text();
    // wrangler answers "Ran scheduled event"; an HTML page means the request never reached the Worker.
    if (!response.ok || text.trimStart().startsWith('<')) {
      console.error(`cron ${cron}: /__scheduled answered ${response.status} without running the trigger`);
    }
  } catch (error) {
    console.error(`cron ${cron} failed: ${error instanceof Error ? error.message : error}`);
  }
}

/**
 * wrangler dev does not fire cron triggers by itself; it exposes /__scheduled instead. This loop
 * fires the crons of wrangler.toml at their times (UTC, as Cloudflare does) and each once at start.
 */
export function runCronLoop(workerUrl: string): () => void {
  const crons = wranglerCrons();
  const schedules = crons.map((cron) => ({
    cron,
    schedule: new Cron(cron, { timezone: 'UTC', paused: true }),
  }));
  for (const cron of crons) void fire(workerUrl, cron);
  let lastMinute = Math.floor(Date.now() / 60_000);
  const timer = setInterval(() => {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute === lastMinute) return;
    lastMinute = minute;
    // Due when the next run after the minute before is this minute.
    const previous = new Date((minute - 1) * 60_000);
    for (const { cron, schedule } of schedules) {
      if (schedule.nextRun(previous)?.getTime() === minute * 60_000) void fire(workerUrl, cron);
    }
  }, 5_000);
  return () => clearInterval(timer);
}
