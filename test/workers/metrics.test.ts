import { describe, expect, it } from 'vitest';
import { createSite, pageview, send, workerFetch } from './helpers/stack';

describe('GET /metrics', () => {
  it('refuses requests without the bearer token', async () => {
    expect((await workerFetch('/metrics')).status).toBe(401);
    const wrong = await workerFetch('/metrics', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('counts received, accepted, dropped by reason and invalid events in Prometheus text', async () => {
    const site = await createSite();
    await send('/api/event', pageview(site.domain));
    await send('/api/event', pageview('unknown-for-metrics.example'));
    await send('/api/event', 'garbage');
    const res = await workerFetch('/metrics', { headers: { authorization: 'Bearer test-metrics-token' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE edgebear_events_received_total counter');
    expect(text).toMatch(/^edgebear_events_accepted_total [1-9]\d*$/m);
    expect(text).toMatch(/^edgebear_events_dropped_total\{reason="unknown_site"\} [1-9]\d*$/m);
    expect(text).toMatch(/^edgebear_events_invalid_total\{code="invalid_json"\} [1-9]\d*$/m);
    for (const name of [
      'rows_inserted_total',
      'insert_failures_total',
      'queue_messages_sent_total',
      'events_rate_limited_total',
    ]) {
      expect(text).toContain(`edgebear_${name}`);
    }
  });
});
