import type { EventBatchMessage } from './events/record';
import type { RateLimiter } from './limits/rate-limiter';
import type { MetricsCounter } from './observability/metrics-counter';

/** Bindings, vars and secrets, as wrangler.toml and `wrangler secret` provide them. */
export interface Env {
  ASSETS: Fetcher;
  DB: D1Database;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  METRICS: DurableObjectNamespace<MetricsCounter>;
  EVENTS_QUEUE: Queue<EventBatchMessage>;
  EVENTS_DLQ: Queue<EventBatchMessage>;
  CLICKHOUSE_URL: string;
  CLICKHOUSE_USER: string;
  CLICKHOUSE_DATABASE: string;
  /** '1' (default): async inserts with wait; '0' for ClickHouse before 26.1. */
  CLICKHOUSE_ASYNC_INSERT?: string;
  /** Days the 15-minute cron seals per run (functions/stats/seal.ts); "0" turns sealing off. Default 3. */
  SEAL_DAYS_PER_RUN?: string;
  /** Seconds an isolate remembers a site's sealed days for the Stats API (at most 150); default 60, "0" never. */
  SEALED_CACHE_SECONDS?: string;
  RATE_LIMIT_PER_IP: string;
  RATE_LIMIT_PER_SITE: string;
  GROUP_COMMIT_MS: string;
  SITE_CACHE_SECONDS: string;
  ENVIRONMENT: string;
  // Accounts (functions/auth, functions/mail; see docs/api.md).
  /** Sensitive auth POSTs per user-or-IP key, "<limit>/<seconds>"; default "5/60". */
  AUTH_RATE_LIMIT?: string;
  /** "true": signup needs an invite code. */
  INVITE_ONLY?: string;
  /** Dashboard origin for links in emails, e.g. "https://app.edgebear.example". */
  APP_URL?: string;
  /** Sender of account emails, e.g. "Edgebear <no-reply@edgebear.example>". */
  MAIL_FROM?: string;
  /** The provider's send endpoint (Postmark's JSON API). */
  MAIL_PROVIDER_URL?: string;
  // Secrets (wrangler secret / .dev.vars), all optional so a missing one degrades clearly.
  CLICKHOUSE_PASSWORD?: string;
  METRICS_TOKEN?: string;
  ADMIN_TOKEN?: string;
  SENTRY_DSN?: string;
  /** Keys the hash that names per-IP limiter objects, so a name cannot be reversed to an IP. */
  IP_KEY_SECRET?: string;
  /** Mail provider server token; without it mail goes to the D1 outbox only (read at /dev/mail). */
  MAIL_API_TOKEN?: string;
  /** Seals TOTP secrets in D1 (AES-GCM); required in production before 2FA can be set up. */
  TOTP_ENCRYPTION_KEY?: string;
}
