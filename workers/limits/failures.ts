import { log } from '../observability/log';
import type { CheckResult, LeaseSource } from './lease';
import type { LeaseRequest } from './rate-limiter';
import { assertValidRule, type RateRule } from './rule';

/** A reserved failure: `release` gives it back once the attempt turned out to succeed. */
export type Reservation =
  | { allowed: true; release(): Promise<void> }
  | Extract<CheckResult, { allowed: false }>;

export interface FailureLimiterOptions {
  /** Namespace of the Durable Object names: the object for key `k` is named `<prefix>:<k>`. */
  prefix: string;
  /** How long to wait for the Durable Object before refusing. Default 1,000 ms. */
  timeoutMs?: number;
  /** Refused keys remembered in this isolate at most. Default 10,000. */
  maxKeys?: number;
  /** Clock (epoch ms), injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * Limits **failures** of a costly check (a password), yet decides before the check runs: each
 * attempt reserves one token of the key's bucket at its `RateLimiter` Durable Object, and an
 * attempt that succeeds gives its token back. So only failures stay counted, and once a key's
 * failures use up the bucket every further attempt is refused without running the check.
 *
 * Unlike `LeasedLimiter` there is no local allowance and no lease: every attempt asks the
 * object, so the limit is exact across isolates, which a guard of a password needs and its
 * traffic (a few checks per visitor, see functions/stats/shared-link.ts) allows. It fails
 * closed: an object that throws or does not answer in time refuses the attempt. A refusal is
 * remembered in the isolate until its retry time, so a stream of guesses costs no calls.
 */
export class FailureLimiter {
  private readonly blocked = new Map<string, number>();
  private readonly timeoutMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(
    private readonly ns: LeaseSource,
    private readonly rule: RateRule,
    private readonly opts: FailureLimiterOptions,
  ) {
    assertValidRule(rule);
    this.timeoutMs = opts.timeoutMs ?? 1_000;
    this.maxKeys = Math.max(1, opts.maxKeys ?? 10_000);
    this.now = opts.now ?? Date.now;
  }

  /** Reserves one failure of `key`, or refuses when its failures are used up (or the object fails). */
  async reserve(key: string): Promise<Reservation> {
    const until = this.blocked.get(key) ?? 0;
    const started = this.now();
    if (started < until) return refuse(until - started);
    this.blocked.delete(key);
    const object = this.ns.getByName(`${this.opts.prefix}:${key}`);
    const rule = { limit: this.rule.limit, periodSeconds: this.rule.periodSeconds };
    const taken = await this.call(object, { ...rule, want: 1, need: 1, spent: 0 });
    if (taken === null) return refuse(1_000);
    if (taken.granted < 1) {
      const retryMs = Math.max(1_000, taken.retryAfterMs);
      this.remember(key, this.now() + retryMs);
      return refuse(retryMs);
    }
    let released = false;
    return {
      allowed: true,
      release: async () => {
        if (released) return;
        released = true;
        // Giving back is best effort: if it fails, one success counts as a failure, no more.
        await this.call(object, { ...rule, want: 0, spent: 0, returned: 1 });
      },
    };
  }

  private async call(
    object: ReturnType<LeaseSource['getByName']>,
    request: LeaseRequest,
  ): Promise<{ granted: number; retryAfterMs: number } | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.timeoutMs);
    });
    try {
      const answer = await Promise.race([object.lease(request), timeout]);
      if (answer === null) log('warn', 'failure limiter call timed out', { prefix: this.opts.prefix });
      return answer;
    } catch (error) {
      log('warn', 'failure limiter call failed', {
        prefix: this.opts.prefix,
        error: error instanceof Error ? error.message : String(error),
      });
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(key: string, until: number): void {
    this.blocked.set(key, until);
    // Oldest first (insertion order); expired entries are dropped when their key comes back.
    while (this.blocked.size > this.maxKeys) {
      const oldest = this.blocked.keys().next();
      if (oldest.done) break;
      this.blocked.delete(oldest.value);
    }
  }
}

function refuse(remainingMs: number): { allowed: false; retryAfterSeconds: number } {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
}
