/**
 * The bridge's stand-in for ClickHouse's asynchronous insert queue. chDB writes an
 * `async_insert = 1` insert at once, so without this the local stack would never see what
 * production sees: the answer of `wait_for_async_insert = 0` arriving before the rows are
 * readable, rows appearing only after the busy timeout, and a waiting insert answering only after
 * the flush.
 *
 * Inserts of the same shape (statement, database, user, settings) are collected from the first
 * one's arrival until the busy timeout, then written one after another, each as the synchronous
 * insert it would be, with its own de-duplication token. A server writes such a batch as one
 * part; separate blocks here change neither what is stored nor what de-duplication does.
 */

interface Pending<T> {
  write: () => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

interface Batch<T> {
  entries: Pending<T>[];
  timer: NodeJS.Timeout;
}

export class AsyncInsertQueue<T> {
  private readonly batches = new Map<string, Batch<T>>();
  private readonly flushing = new Set<Promise<void>>();

  /**
   * Queues `write` under `key`; the promise settles when the batch it joined has been written.
   * The first insert of a batch sets when it flushes (`busyTimeoutMs` after it arrived).
   */
  enqueue(key: string, busyTimeoutMs: number, write: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = { write, resolve, reject };
      const batch = this.batches.get(key);
      if (batch !== undefined) {
        batch.entries.push(entry);
        return;
      }
      const timer = setTimeout(() => this.flush(key), busyTimeoutMs);
      this.batches.set(key, { entries: [entry], timer });
    });
  }

  /** Inserts queued and not yet written (what `system.asynchronous_inserts` would list). */
  get pendingCount(): number {
    let count = 0;
    for (const batch of this.batches.values()) count += batch.entries.length;
    return count;
  }

  /** Writes every queued batch now and waits for the writes, as a server does on shutdown. */
  async flushAll(): Promise<void> {
    for (const key of [...this.batches.keys()]) this.flush(key);
    await Promise.allSettled([...this.flushing]);
  }

  private flush(key: string): void {
    const batch = this.batches.get(key);
    if (batch === undefined) return;
    this.batches.delete(key);
    clearTimeout(batch.timer);
    const work = (async () => {
      for (const entry of batch.entries) {
        try {
          entry.resolve(await entry.write());
        } catch (error) {
          entry.reject(error);
        }
      }
    })().finally(() => this.flushing.delete(work));
    this.flushing.add(work);
  }
}
