import type { Env } from '../env';

/**
 * Counters for /metrics. Incremented in memory on the hot path, then flushed as deltas to the
 * MetricsCounter Durable Object at most every FLUSH_INTERVAL_MS per isolate, so metrics cost a
 * DO call per isolate every few seconds rather than one per event.
 */
export type CounterName =
  | 'events_received_total'
  | 'events_accepted_total'
  | 'events_dropped_total'
  | 'events_rate_limited_total'
  | 'events_invalid_total'
  | 'queue_messages_sent_total'
  | 'queue_message_bytes_total'
  | 'queue_send_failures_total'
  | 'limiter_do_calls_total'
  | 'limiter_failures_total'
  | 'capacity_lookups_total'
  | 'consumer_messages_total'
  | 'consumer_retries_total'
  | 'rows_inserted_total'
  | 'insert_failures_total'
  | 'dead_letters_total'
  | 'visit_tracker_calls_total'
  | 'visit_tracker_failures_total';

const FLUSH_INTERVAL_MS = 5_000;

const pending = new Map<string, number>();
let lastFlush = 0;
let flushing: Promise<void> | null = null;

/** Series key in Prometheus syntax: `name` or `name{label="value"}`. */
export function seriesKey(name: CounterName, labels?: Record<string, string>): string {
  if (!labels) return name;
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`);
  return `${name}{${parts.join(',')}}`;
}

export function count(name: CounterName, by = 1, labels?: Record<string, string>): void {
  if (by === 0) return;
  const key = seriesKey(name, labels);
  pending.set(key, (pending.get(key) ?? 0) + by);
}

/**
 * Sends pending deltas to the metrics object when the interval has passed (or `force`).
 * Never throws: metrics must not fail a request. A failed flush keeps its deltas for next time.
 */
export function flushCounters(env: Pick<Env, 'METRICS'>, force = false): Promise<void> {
  const now = Date.now();
  if (flushing || pending.size === 0 || (!force && now - lastFlush < FLUSH_INTERVAL_MS)) {
    return flushing ?? Promise.resolve();
  }
  lastFlush = now;
  const deltas = Object.fromEntries(pending);
  pending.clear();
  flushing = (async () => {
    try {
      await env.METRICS.get(env.METRICS.idFromName('global')).add(deltas);
    } catch {
      for (const [key, value] of Object.entries(deltas)) pending.set(key, (pending.get(key) ?? 0) + value);
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

/** Deltas not yet flushed (tests and the bench read them). */
export function pendingCounters(): Record<string, number> {
  return Object.fromEntries(pending);
}
