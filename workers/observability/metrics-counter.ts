import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

const HELP: Record<string, string> = {
  events_received_total: 'Events received by the ingest endpoints.',
  events_accepted_total: 'Events accepted (202) and handed to the queue.',
  events_dropped_total: 'Events answered 202 but not stored, by reason.',
  events_rate_limited_total: 'Events refused with 429, by limit.',
  events_invalid_total: 'Events refused with 400, by error code.',
  queue_messages_sent_total: 'Queue messages sent by group commit.',
  queue_message_bytes_total: 'Bytes of event JSON sent in queue messages (for the cost estimate).',
  queue_send_failures_total: 'Group commits whose queue send failed (events answered 503).',
  limiter_do_calls_total: 'Calls from isolates to rate-limit Durable Objects.',
  limiter_failures_total: 'Rate-limit Durable Object calls that failed.',
  capacity_lookups_total:
    'D1 reads of the ingest capacity check (one per billing profile per isolate per cache TTL).',
  consumer_messages_total: 'Queue messages handled by the consumer, by outcome.',
  consumer_retries_total: 'Queue messages the consumer asked to retry.',
  rows_inserted_total: 'Rows inserted into ClickHouse events.',
  insert_failures_total: 'ClickHouse inserts that failed.',
  dead_letters_total: 'Queue messages parked in the dead-letter table.',
  visit_tracker_calls_total:
    'Calls from the consumer to VisitTracker Durable Objects (one per site shard per batch).',
  visit_tracker_failures_total: 'VisitTracker calls that failed (their messages are retried).',
};

/** One global object holding the Prometheus counters; isolates flush deltas into it. */
export class MetricsCounter extends DurableObject<Env> {
  private totals: Record<string, number> | null = null;

  private async load(): Promise<Record<string, number>> {
    if (!this.totals) this.totals = (await this.ctx.storage.get<Record<string, number>>('totals')) ?? {};
    return this.totals;
  }

  async add(deltas: Record<string, number>): Promise<void> {
    const totals = await this.load();
    for (const [key, value] of Object.entries(deltas)) totals[key] = (totals[key] ?? 0) + value;
    await this.ctx.storage.put('totals', totals);
  }

  async snapshot(): Promise<Record<string, number>> {
    return { ...(await this.load()) };
  }

  /** Prometheus text exposition format, version 0.0.4. */
  async render(): Promise<string> {
    const totals = await this.load();
    const byName = new Map<string, [string, number][]>();
    for (const [key, value] of Object.entries(totals)) {
      const name = key.split('{')[0] ?? key;
      const list = byName.get(name) ?? [];
      list.push([key, value]);
      byName.set(name, list);
    }
    for (const name of Object.keys(HELP)) if (!byName.has(name)) byName.set(name, [[name, 0]]);
    const lines: string[] = [];
    for (const name of [...byName.keys()].sort()) {
      lines.push(`# HELP edgebear_${name} ${HELP[name] ?? name}`, `# TYPE edgebear_${name} counter`);
      for (const [key, value] of (byName.get(name) ?? []).sort()) lines.push(`edgebear_${key} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
