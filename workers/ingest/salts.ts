import { awaitShared } from '../runtime/shared-promise';
import { importSalt, saltDay } from './visitor';

const DAY_MS = 86_400_000;

function randomSaltHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Makes sure the salt for `day` exists and returns it. INSERT OR IGNORE then SELECT, so two
 * isolates racing at midnight agree on one salt.
 */
export async function ensureSalt(db: D1Database, day: string, nowMs: number): Promise<string> {
  const existing = await db
    .prepare('SELECT salt FROM salts WHERE day = ?1')
    .bind(day)
    .first<{ salt: string }>();
  if (existing) return existing.salt;
  await db
    .prepare('INSERT OR IGNORE INTO salts (day, salt, created_at) VALUES (?1, ?2, ?3)')
    .bind(day, randomSaltHex(), Math.floor(nowMs / 1000))
    .run();
  const row = await db.prepare('SELECT salt FROM salts WHERE day = ?1').bind(day).first<{ salt: string }>();
  if (!row) throw new Error(`salt for ${day} could not be created`);
  return row.salt;
}

/**
 * The salt cron: creates today's and tomorrow's salts ahead of need and deletes every salt whose
 * day began more than 48 h ago. Returns what it deleted, for the job log.
 */
export async function rotateSalts(db: D1Database, nowMs: number): Promise<{ deleted: number }> {
  await ensureSalt(db, saltDay(nowMs), nowMs);
  await ensureSalt(db, saltDay(nowMs + DAY_MS), nowMs);
  const cutoffDay = saltDay(nowMs - 2 * DAY_MS);
  // A day began more than 48 h ago exactly when it is on or before the day of (now − 48 h).
  const result = await db.prepare('DELETE FROM salts WHERE day <= ?1').bind(cutoffDay).run();
  return { deleted: result.meta.changes ?? 0 };
}

/** Salt keys cached in the isolate: one D1 read per isolate per day. */
export class SaltCache {
  private day = '';
  private key: Promise<CryptoKey> | null = null;
  /**
   * The day's key once loaded. Every event needs it, so after the load it is handed out as it is:
   * waiting on the shared promise would cost each event a timer of its own (awaitShared), which
   * showed in the ingest profile.
   */
  private loaded: { day: string; key: CryptoKey } | null = null;
  /**
   * The epoch-ms span of the loaded key's UTC day: an event inside it takes the key without
   * formatting its date (a Date and an ISO string per event showed in the ingest profile).
   */
  private loadedFrom = 0;
  private loadedUntil = 0;

  constructor(private readonly db: D1Database) {}

  keyFor(nowMs: number): Promise<CryptoKey> {
    if (this.loaded && nowMs >= this.loadedFrom && nowMs < this.loadedUntil) {
      return Promise.resolve(this.loaded.key);
    }
    const day = saltDay(nowMs);
    if (this.loaded?.day === day) return Promise.resolve(this.loaded.key);
    if (day !== this.day || !this.key) {
      this.day = day;
      const pending = ensureSalt(this.db, day, nowMs)
        .then(importSalt)
        .then((key) => {
          if (this.day === day) {
            this.loaded = { day, key };
            this.loadedFrom = Date.parse(`${day}T00:00:00Z`);
            this.loadedUntil = this.loadedFrom + DAY_MS;
          }
          return key;
        });
      // A failed load must not stick: the next event tries again.
      pending.catch(() => {
        if (this.key === pending) this.key = null;
      });
      this.key = pending;
    }
    return awaitShared(this.key, 10_000, 'salt load');
  }
}
