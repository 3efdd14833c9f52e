import { describe, expect, it } from 'vitest';
import { sentryOptions } from '../../../workers/observability/sentry';

describe('Sentry beforeSend', () => {
  const options = sentryOptions(
    { SENTRY_DSN: 'https://public@o0.ingest.sentry.io/0', ENVIRONMENT: 'staging' },
    { waitUntil: () => {} },
  );

  it('runs the tested scrubber: no query string, no user, no headers leave the Worker', async () => {
    const event = await options.beforeSend?.(
      {
        user: { ip_address: '203.0.113.9' },
        request: {
          url: 'https://edgebear.example/api/auth/verify-email?token=secret-token',
          query_string: 'token=secret-token',
          headers: { cookie: 'eb_session=s' },
        },
        extra: { api_key: 'eb_live_x' },
        type: undefined,
      },
      {},
    );
    expect(event?.request?.url).toBe('https://edgebear.example/api/auth/verify-email');
    expect(JSON.stringify(event)).not.toMatch(/secret-token|203\.0\.113\.9|eb_session|eb_live_x/);
  });

  it('names the environment, production when unset', () => {
    expect(options.environment).toBe('staging');
    expect(sentryOptions({ SENTRY_DSN: 'x', ENVIRONMENT: '' }, { waitUntil: () => {} }).environment).toBe(
      'production',
    );
  });
});
