/** The unsubscribe door shared by reports and alerts (functions/mail/unsubscribe.ts): its per-IP limit. */
import { describe, expect, it } from 'vitest';
import { UNSUBSCRIBE_RATE_LIMIT } from '../../../functions/mail/unsubscribe';
import { workerFetch } from '../helpers/stack';

function ask(ip: string): Promise<Response> {
  return workerFetch('/api/reports/unsubscribe?token=not.signed', { headers: { 'cf-connecting-ip': ip } });
}

describe('unsubscribe links', () => {
  it('limit each client IP, with Retry-After, and leave other clients alone', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < UNSUBSCRIBE_RATE_LIMIT.limit + 10; i++) {
      const response = await ask('203.0.113.77');
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const first429 = statuses.indexOf(429);
    // The lease may admit a few more than the limit before the Durable Object says no.
    expect(first429).toBeGreaterThanOrEqual(UNSUBSCRIBE_RATE_LIMIT.limit);
    expect(first429).toBeLessThanOrEqual(UNSUBSCRIBE_RATE_LIMIT.limit + 5);
    expect(statuses.slice(0, first429).every((s) => s === 400)).toBe(true);
    expect((await ask('198.51.100.200')).status).toBe(400);
  });
});
