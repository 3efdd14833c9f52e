import { describe, expect, it } from 'vitest';
import { workerFetch } from '../helpers/stack';

/** The operator routes answer only to the configured bearer token (ADMIN_TOKEN in tests: vitest.config.ts). */
describe('admin bearer token', () => {
  const withToken = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it('answers 401 without a token', async () => {
    const res = await workerFetch('/admin/dead-letters');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('answers 401 to a wrong token, also one that only shares a prefix or differs in length', async () => {
    for (const token of [
      'nope',
      'test-admin-toke',
      'test-admin-tokeN',
      'test-admin-token2',
      'test-metrics-token',
    ]) {
      const res = await workerFetch('/admin/dead-letters', withToken(token));
      expect(res.status, token).toBe(401);
    }
    const post = await workerFetch('/admin/dead-letters/replay', { method: 'POST', ...withToken('nope') });
    expect(post.status).toBe(401);
  });

  it('answers 200 to the right token, with or without the scheme in another case', async () => {
    const res = await workerFetch('/admin/dead-letters', withToken('test-admin-token'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ messages: expect.any(Number), events: expect.any(Number) });
    const lower = await workerFetch('/admin/dead-letters', {
      headers: { authorization: 'bearer test-admin-token' },
    });
    expect(lower.status).toBe(200);
  });
});
