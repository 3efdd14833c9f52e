import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { assignVisits, VISIT_MEMORY_MS, type VisitSpan, type VisitState } from './sessionize';

/** One event as the consumer asks about it: UInt64 visitor id as a decimal string, time in ms. */
export interface TrackedEvent {
  visitor: string;
  timestamp: number;
}

/** How often the alarm looks for visits to forget. */
export const FORGET_INTERVAL_MS = 3_600_000;

interface SpanRow extends Record<string, SqlStorageValue> {
  visitor: string;
  id: string;
  first: number;
  last: number;
}

/**
 * The visits of one site shard's visitors (docs/visits.md): the consumer makes one call per shard
 * per queue batch with all of the batch's events of that shard, and gets each event's visit id.
 *
 * The state is `VisitState` kept in SQLite, one row per visit (visitor, id, first, last), so it
 * survives eviction and deploys; a call reads the rows of its visitors, applies `assignVisits`,
 * and writes back the visits it touched, all synchronously, so calls never interleave. Ids are
 * UInt64 as decimal text: SQLite integers are signed. An hourly alarm forgets visits idle for
 * `VISIT_MEMORY_MS` (the visitor id has rotated by then), and an object with nothing left deletes
 * its storage.
 */
export class VisitTracker extends DurableObject<Env> {
  /** Whether an alarm is pending, so a busy object does not ask storage on every call. */
  private alarmArmed = false;
  /** Whether the table exists: `deleteAll` drops it with everything else. */
  private schemaReady = false;

  /** The visit id (UInt64, decimal) of each event, in the order given. */
  async assign(events: TrackedEvent[]): Promise<string[]> {
    const sql = this.ctx.storage.sql;
    if (!this.schemaReady) {
      sql.exec(
        `CREATE TABLE IF NOT EXISTS visits (
           visitor TEXT NOT NULL, id TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
           PRIMARY KEY (visitor, id)
         ) WITHOUT ROWID`,
      );
      sql.exec('CREATE INDEX IF NOT EXISTS visits_last ON visits (last)');
      this.schemaReady = true;
    }
    const visitors = [...new Set(events.map((e) => e.visitor))];
    const state: VisitState = new Map();
    const before = new Map<VisitSpan, string>();
    const rows = sql
      .exec<SpanRow>(
        'SELECT visitor, id, first, last FROM visits WHERE visitor IN (SELECT value FROM json_each(?)) ORDER BY first',
        JSON.stringify(visitors),
      )
      .toArray();
    for (const row of rows) {
      const span: VisitSpan = { id: BigInt(row.id), first: row.first, last: row.last };
      const visitor = BigInt(row.visitor);
      const spans = state.get(visitor) ?? [];
      spans.push(span);
      state.set(visitor, spans);
      before.set(span, `${span.first}:${span.last}`);
    }
    const ids = assignVisits(
      state,
      events.map((e) => ({ visitor: BigInt(e.visitor), timestamp: e.timestamp })),
    );
    for (const [visitor, spans] of state) {
      for (const span of spans) {
        if (before.get(span) === `${span.first}:${span.last}`) continue;
        sql.exec(
          `INSERT INTO visits (visitor, id, first, last) VALUES (?, ?, ?, ?)
           ON CONFLICT (visitor, id) DO UPDATE SET first = excluded.first, last = excluded.last`,
          visitor.toString(),
          span.id.toString(),
          span.first,
          span.last,
        );
      }
    }
    await this.armAlarm();
    return ids.map((id) => id.toString());
  }

  /** Forgets visits idle for `VISIT_MEMORY_MS`; re-arms while any are left, else deletes everything. */
  override async alarm(): Promise<void> {
    this.alarmArmed = false;
    const sql = this.ctx.storage.sql;
    const exists = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'visits'").toArray();
    if (exists.length > 0) {
      sql.exec('DELETE FROM visits WHERE last <= ?', Date.now() - VISIT_MEMORY_MS);
      if (sql.exec('SELECT 1 FROM visits LIMIT 1').toArray().length > 0) {
        await this.armAlarm();
        return;
      }
    }
    this.schemaReady = false;
    await this.ctx.storage.deleteAll();
  }

  private async armAlarm(): Promise<void> {
    if (this.alarmArmed) return;
    // After an eviction the flag is gone but the alarm may still be set: keep that one.
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + FORGET_INTERVAL_MS);
    }
    this.alarmArmed = true;
  }
}
