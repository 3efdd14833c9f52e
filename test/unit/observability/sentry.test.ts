import { describe, expect, it } from 'vitest';
import { scrubEvent } from '../../../workers/observability/sentry';

describe('scrubEvent', () => {
  it('drops the user, headers, cookies, query string and body, and keeps the path', () => {
    const event = scrubEvent({
      user: { ip_address: '203.0.113.9' },
      request: {
        url: 'https://edgebear.example/api/event?token=abc',
        headers: { 'cf-connecting-ip': '203.0.113.9', cookie: 'eb_session=secret' },
        cookies: { eb_session: 'secret' },
        query_string: 'token=abc',
        data: '{"password":"hunter22"}',
      },
      extra: { password: 'hunter22', api_key: 'eb_live_x', batch_id: 'b-1' },
    });
    expect(event).toEqual({
      request: { url: 'https://edgebear.example/api/event' },
      extra: { password: '[scrubbed]', api_key: '[scrubbed]', batch_id: 'b-1' },
    });
    expect(JSON.stringify(event)).not.toMatch(/203\.0\.113\.9|hunter22|secret|eb_live_x|token=abc/);
  });
});
