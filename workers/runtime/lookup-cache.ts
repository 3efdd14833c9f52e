import { awaitShared } from './shared-promise';

/** Size and lifetime of one side of a {@link LookupCache}. */
export interface CacheBound {
  /** Entries kept at most; the oldest go first. */
  maxEntries: number;
  ttlMs: number;
}

export interface LookupCacheOptions {
  /** Found answers. */
  found: CacheBound;
  /**
   * "Nothing there" answers, kept apart from `found` with a bound of their own, so a flood of
   * keys that do not exist (anyone can make them up) cannot push real entries out.
   */
  missing: CacheBound;
  /** How long a request waits for another request's load of the same key. Default 10 s. */
  sharedTimeoutMs?: number;
  now?: () => number;
  /** Names the load in the error of a shared wait that timed out. */
  what: string;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/** A bounded map of entries that expire: insertion order is age, so the first key is the oldest. */
class ExpiringMap<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly bound: CacheBound) {}

  get(key: string, now: number): Entry<V> | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  set(key: string, value: V, now: number): void {
    if (this.bound.maxEntries <= 0) return;
    // Re-inserting moves a refreshed key to the young end.
    this.entries.delete(key);
    while (this.entries.size >= this.bound.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: now + this.bound.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Answers from a slow store (D1) remembered in the isolate for a while, so a hot path reads the
 * store once per key per TTL instead of once per request. Concurrent misses for one key share
 * one load. Found answers and "nothing there" answers live in separate bounded maps with their
 * own sizes and TTLs.
 */
export class LookupCache<V> {
  private readonly found: ExpiringMap<V>;
  private readonly missing: ExpiringMap<true>;
  private readonly inflight = new Map<string, Promise<V | null>>();
  private readonly now: () => number;
  /** Loads from the store so far (tests and metrics). */
  loads = 0;

  constructor(private readonly options: LookupCacheOptions) {
    this.found = new ExpiringMap(options.found);
    this.missing = new ExpiringMap(options.missing);
    this.now = options.now ?? Date.now;
  }

  /** The answer for `key`: remembered, or read by `load` (from the store; null when there is none). */
  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const now = this.now();
    const hit = this.found.get(key, now);
    if (hit) return hit.value;
    if (this.missing.get(key, now)) return null;
    const running = this.inflight.get(key);
    if (running) return awaitShared(running, this.options.sharedTimeoutMs ?? 10_000, this.options.what);
    const loading = this.load(key, load).finally(() => this.inflight.delete(key));
    this.inflight.set(key, loading);
    return loading;
  }

  /** Forgets one key, or everything. */
  invalidate(key?: string): void {
    if (key === undefined) {
      this.found.clear();
      this.missing.clear();
      return;
    }
    this.found.delete(key);
    this.missing.delete(key);
  }

  /** Entries held: found and missing. */
  get size(): { found: number; missing: number } {
    return { found: this.found.size, missing: this.missing.size };
  }

  private async load(key: string, load: () => Promise<V | null>): Promise<V | null> {
    this.loads++;
    const value = await load();
    const now = this.now();
    if (value === null) {
      this.found.delete(key);
      this.missing.set(key, true, now);
    } else {
      this.missing.delete(key);
      this.found.set(key, value, now);
    }
    return value;
  }
}
