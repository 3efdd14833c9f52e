import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../../workers/app';
import type { Env } from '../../../workers/env';
import { signUp, uniqueIp } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

describe('auth rate limiter outage', () => {
  it('fails closed: with the Durable Object down, a correct login gets 429, not a session', async () => {
    const account = await signUp();
    const broken = {
      getByName: () => ({ lease: () => Promise.reject(new Error('Durable Object unavailable')) }),
    } as unknown as Env['RATE_LIMITER'];
    const ctx = createExecutionContext();
    const response = await app.fetch(
      new Request('http://edgebear.test/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': uniqueIp() },
        body: JSON.stringify({ email: account.email, password: account.password }),
      }),
      { ...testEnv, RATE_LIMITER: broken },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});
