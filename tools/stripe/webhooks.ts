/**
 * Webhook delivery as Stripe does it: the event JSON POSTed to the endpoint with
 * `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`, retried with backoff
 * on a non-2xx answer or a connection error. Deliveries go out one at a time in the order the
 * events happened, so the Worker sees `customer.subscription.created` before
 * `checkout.session.completed` (it must still cope with any order; real Stripe does not promise one).
 */
import { createHmac } from 'node:crypto';
import type { EventRecord } from './store';

/** The `Stripe-Signature` header value for a body signed at unix second `t`. */
export function signatureHeader(secret: string, body: string, t: number): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Tries per event, the first included (default 5). */
  attempts?: number;
  /** Wait before the second try, doubled after each (default 200 ms). */
  retryDelayMs?: number;
  /** Per try (default 10 s). */
  timeoutMs?: number;
  /** Called after every attempt, so the store can record it. */
  onAttempt?: () => void;
}

export class WebhookSender {
  /** The last delivery in line: each new one starts after it, whatever its outcome. */
  private tail: Promise<void> = Promise.resolve();
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookOptions) {
    this.attempts = options.attempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Queues the events behind any earlier ones; resolves once each was delivered or given up. */
  deliver(records: readonly EventRecord[]): Promise<void> {
    const run = this.tail.then(async () => {
      for (const record of records) await this.deliverOne(record);
    });
    // A failure in one batch (say the state file could not be written) must not stall the next.
    this.tail = run.catch(() => {});
    return run;
  }

  private stopped = false;

  /** No more tries after this (the server is closing); queued events stay undelivered. */
  stop(): void {
    this.stopped = true;
  }

  private async deliverOne(record: EventRecord): Promise<void> {
    const body = JSON.stringify(record.event, null, 2);
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await sleep(this.retryDelayMs * 2 ** (attempt - 1));
      if (this.stopped) return;
      // Signed afresh per try, like Stripe: a retry hours later must still pass the tolerance.
      const signature = signatureHeader(this.options.secret, body, Math.floor(Date.now() / 1000));
      try {
        const res = await fetch(this.options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'stripe-signature': signature,
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await res.arrayBuffer();
        record.attempts.push({ at: Date.now(), status: res.status });
        this.options.onAttempt?.();
        if (res.ok) {
          record.delivered = true;
          return;
        }
      } catch (error) {
        record.attempts.push({
          at: Date.now(),
          status: null,
          error: error instanceof Error ? error.message : String(error),
        });
        this.options.onAttempt?.();
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
