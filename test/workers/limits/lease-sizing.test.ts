import { describe, expect, it } from 'vitest';
import { LeasedLimiter, type LeaseSource } from '../../../workers/limits/lease';
import type { LeaseRequest } from '../../../workers/limits/rate-limiter';
import { testEnv, uniquePrefix } from './env';

/** The real namespace, keeping every lease request the isolate sends. */
function recording(): LeaseSource & { requests: LeaseRequest[] } {
  const requests: LeaseRequest[] = [];
  return {
    requests,
    getByName(name: string) {
      return {
        lease: (request: LeaseRequest) => {
          requests.push(request);
          return testEnv.RATE_LIMITER.getByName(name).lease(request);
        },
      };
    },
  };
}

describe('LeasedLimiter lease sizing and the drained bucket', () => {
  it('serves 64 concurrent checks of an address at 30/60 with one call: 30 admitted, the rest refused from memory', async () => {
    const ns = recording();
    const limiter = new LeasedLimiter(
      ns,
      { limit: 30, periodSeconds: 60 },
      { prefix: uniquePrefix('ip'), failOpen: true },
    );
    const results = await Promise.all(Array.from({ length: 64 }, () => limiter.check('office')));
    expect(results.filter((result) => result.allowed)).toHaveLength(30);
    expect(ns.requests).toHaveLength(1);
    // 3 admitted on the local allowance were charged; the lease asked for the whole limit.
    expect(ns.requests[0]).toMatchObject({ spent: 3, want: 30 });
    // Refused from memory for one lease TTL (6 s at 30/60), while three more tokens accrue.
    const refused = results.find((result) => !result.allowed);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 6 });
  });

  it('reports each Durable Object call once to onDoCall, however many checks wait on it', async () => {
    const outcomes: string[] = [];
    const limiter = new LeasedLimiter(
      testEnv.RATE_LIMITER,
      { limit: 30, periodSeconds: 60 },
      { prefix: uniquePrefix('ip'), failOpen: true, onDoCall: (outcome) => outcomes.push(outcome) },
    );
    await Promise.all(Array.from({ length: 64 }, () => limiter.check('office')));
    expect(outcomes).toEqual(['sent']);
  });

  it('asks again one lease TTL after a lease drained the bucket, not at every token', async () => {
    let clock = Date.now();
    const ns = recording();
    const limiter = new LeasedLimiter(
      ns,
      { limit: 30, periodSeconds: 60 },
      { prefix: uniquePrefix('ip'), failOpen: true, now: () => clock },
    );
    for (let i = 0; i < 30; i++) expect((await limiter.check('office')).allowed).toBe(true);
    expect((await limiter.check('office')).allowed).toBe(false);
    expect(ns.requests).toHaveLength(1);
    // A token is due every 2 s; asking for each would cost a call per token while the key is
    // held at its limit.
    clock += 2_000;
    expect((await limiter.check('office')).allowed).toBe(false);
    clock += 2_000;
    expect((await limiter.check('office')).allowed).toBe(false);
    expect(ns.requests).toHaveLength(1);
    // After the TTL (6 s) one call asks again. (The object keeps real time, so what it grants
    // here is not the 3 tokens that would have accrued.)
    clock += 2_000;
    await limiter.check('office');
    expect(ns.requests).toHaveLength(2);
  });

  it('gives a key that spent its allowance slowly a lease sized by its rate, not the largest', async () => {
    let clock = Date.now();
    const ns = recording();
    const rule = { limit: 100, periodSeconds: 60 };
    const limiter = new LeasedLimiter(ns, rule, {
      prefix: uniquePrefix('ip'),
      failOpen: true,
      now: () => clock,
    });
    // One event a second: the allowance of 10 (refilled at 10 a minute) runs out after ~12 s.
    while (ns.requests.length === 0) {
      await limiter.check('steady');
      clock += 1_000;
    }
    const first = ns.requests[0];
    // About 1 event/s × the 6 s TTL, nowhere near the largest lease (50).
    expect(first?.want).toBeGreaterThanOrEqual(5);
    expect(first?.want).toBeLessThanOrEqual(8);
  });
});
