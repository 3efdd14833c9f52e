import { app } from './app';
import { consumeEvents } from './consumer/consume';
import { consumeDeadLetters } from './consumer/dead-letters';
import { runScheduled } from './cron/scheduled';
import type { Env } from './env';

export { RateLimiter } from './limits/rate-limiter';
export { MetricsCounter } from './observability/metrics-counter';
export { VisitTracker } from './visits/tracker';

export default {
  fetch: app.fetch,
  async queue(batch, env, ctx) {
    if (batch.queue.endsWith('-dlq')) await consumeDeadLetters(batch, env);
    else await consumeEvents(batch, env, ctx);
  },
  async scheduled(controller, env) {
    const failed = (await runScheduled(controller, env)).filter((o) => o.status === 'error');
    if (failed.length > 0) throw new Error(`jobs failed: ${failed.map((o) => o.job).join(', ')}`);
  },
} satisfies ExportedHandler<Env, unknown>;
