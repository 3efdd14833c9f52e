/**
 * The notification ledger: one row per mail (or alert) that must go out at most once, e.g.
 * `report:daily:42:ann@example.com:2026-12-02`. A job claims the key before sending and releases
 * it when the send fails, so a retried or overlapping run never sends twice and a failed send is
 * tried again by the next run.
 */
export interface Claim {
  /** False when another run claimed the key before: send nothing. */
  claimed: boolean;
  /** Deletes the claim (after a failed send), so the next run tries again. */
  release(): Promise<void>;
}

export async function claimOnce(db: D1Database, key: string, nowMs: number): Promise<Claim> {
  const result = await db
    .prepare('INSERT INTO notifications_sent (key, sent_at) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING')
    .bind(key, Math.floor(nowMs / 1000))
    .run();
  const claimed = (result.meta.changes ?? 0) > 0;
  return {
    claimed,
    async release() {
      if (!claimed) return;
      await db.prepare('DELETE FROM notifications_sent WHERE key = ?1').bind(key).run();
    },
  };
}

/** Deletes ledger rows older than `days` (the keys name their period, so old ones never match again). */
export async function pruneLedger(db: D1Database, nowMs: number, days = 100): Promise<number> {
  const result = await db
    .prepare('DELETE FROM notifications_sent WHERE sent_at < ?1')
    .bind(Math.floor(nowMs / 1000) - days * 86_400)
    .run();
  return result.meta.changes ?? 0;
}

/** Whether `key` was claimed (and not released): lets a job skip work for a mail already sent. */
export async function isClaimed(db: D1Database, key: string): Promise<boolean> {
  return (
    (await db.prepare('SELECT 1 AS claimed FROM notifications_sent WHERE key = ?1').bind(key).first()) !==
    null
  );
}
