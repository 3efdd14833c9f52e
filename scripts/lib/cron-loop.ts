/**
 * wrangler dev does not fire cron triggers by itself; it exposes /__scheduled instead. This loop
 * fires the crons of wrangler.toml at their times (and each once at start) while dev runs.
 */
const CRONS: { cron: string; due: (d: Date) => boolean }[] = [
  { cron: '*/15 * * * *', due: (d) => d.getUTCMinutes() % 15 === 0 },
  { cron: '5 0 * * *', due: (d) => d.getUTCHours() === 0 && d.getUTCMinutes() === 5 },
];

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

export function runCronLoop(workerUrl: string): () => void {
  for (const { cron } of CRONS) void fire(workerUrl, cron);
  let lastMinute = -1;
  const timer = setInterval(() => {
    const now = new Date();
    const minute = Math.floor(now.getTime() / 60_000);
    if (minute === lastMinute) return;
    lastMinute = minute;
    for (const { cron, due } of CRONS) if (due(now)) void fire(workerUrl, cron);
  }, 5_000);
  return () => clearInterval(timer);
}
