import type { EventBatchMessage } from './events/record';

/**
 * Secrets the Worker can run without (`wrangler secret put`, .dev.vars). The ones production
 * requires (CLICKHOUSE_PASSWORD, CLICKHOUSE_MAINTENANCE_PASSWORD, IP_KEY_SECRET, MAIL_API_TOKEN,
 * TOTP_ENCRYPTION_KEY, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, MAIL_LINK_SECRET) are listed in
 * wrangler.toml's `[env.production.secrets]`, so the generated types already declare them.
 * Without the Stripe ones (development, tests) the billing routes answer 503
 * billing_not_configured; without CLICKHOUSE_MAINTENANCE_PASSWORD the crons that seal days and
 * delete sites fail (workers/clickhouse/client.ts, `maintenanceClickhouse`).
 */
interface OptionalSecrets {
  /** Bearer token for GET /metrics; without it /metrics answers 503 not_configured. */
  METRICS_TOKEN?: string;
  /** Bearer token for /admin/*; without it the admin routes answer 503 not_configured. */
  ADMIN_TOKEN?: string;
  /** Unexpected errors go to Sentry when set (workers/observability/sentry.ts). */
  SENTRY_DSN?: string;
  /**
   * Operator alerts (a job failed, is late, recovered) are POSTed here in Slack's incoming-webhook
   * shape `{ "text": … }` (workers/jobs/monitor.ts). A secret: the URL is the credential.
   */
  ALERT_WEBHOOK_URL?: string;
  // HEARTBEAT_URL_<JOB> (e.g. HEARTBEAT_URL_SEAL_DAYS): pinged after each success of that job; read
  // by name in workers/jobs/monitor.ts, so not listed here.
}

/**
 * Vars with a default in code (workers/config.ts unless noted), so wrangler.toml does not repeat
 * them in every environment. Any environment may set one to override it.
 */
interface TunableVars {
  /** Events per IP, "<limit>/<seconds>"; default "300/60". */
  RATE_LIMIT_PER_IP?: string;
  /** Events per site, "<limit>/<seconds>"; default "10000/60". */
  RATE_LIMIT_PER_SITE?: string;
  /** Milliseconds the group commit waits to fill a queue message; default 800. */
  GROUP_COMMIT_MS?: string;
  /** Seconds an isolate caches a site's ingest settings; default 60. */
  SITE_CACHE_SECONDS?: string;
  /** Seconds an isolate remembers a site's sealed days for the Stats API (at most 150); default 60, "0" never. */
  SEALED_CACHE_SECONDS?: string;
  /** Days the 15-minute cron seals per run (functions/stats/seal.ts); "0" turns sealing off. Default 3. */
  SEAL_DAYS_PER_RUN?: string;
  /** "1" (default): async inserts with wait; "0" for ClickHouse before 26.1. */
  CLICKHOUSE_ASYNC_INSERT?: string;
  /** Sensitive auth POSTs per user-or-IP key, "<limit>/<seconds>"; default "5/60" (functions/auth/config.ts). */
  AUTH_RATE_LIMIT?: string;
  /** Failed sign-ins per client IP (/64 for IPv6), "<limit>/<seconds>"; default "10/900" (functions/auth/login-guard.ts). */
  LOGIN_FAILURES_PER_IP?: string;
  /** Failed sign-ins per account before sign-in needs the emailed link; default "5/900". */
  LOGIN_FAILURES_PER_ACCOUNT?: string;
  /** Stats and Performance API queries per API key, "<limit>/<seconds>"; default "60/60" (docs/stats-api.md, "Limits"). */
  STATS_RATE_LIMIT?: string;
  /** The same per session, shared link, or anonymous IP of a public dashboard; default "600/60". */
  STATS_DASHBOARD_RATE_LIMIT?: string;
  /** Shared-link password checks per client IP; default "10/60". */
  SHARED_LINK_RATE_LIMIT_PER_IP?: string;
  /** Wrong passwords per shared link; default "20/60". */
  SHARED_LINK_RATE_LIMIT_PER_LINK?: string;
  /** max_execution_time of every API read, seconds; default 10. */
  CLICKHOUSE_MAX_EXECUTION_TIME?: string;
  /** max_memory_usage of every API read, bytes; default 1000000000 (1 GB). */
  CLICKHOUSE_MAX_MEMORY_USAGE?: string;
  /** max_rows_to_read of every API read; default 500000000. */
  CLICKHOUSE_MAX_ROWS_TO_READ?: string;
  /** "true": signup needs an invite code (functions/auth/config.ts). */
  INVITE_ONLY?: string;
  /** The operator's address: job alerts and the daily operator email (docs/jobs.md). Unset: none are mailed. */
  STAFF_EMAIL?: string;
  /** The mail provider's send endpoint (Postmark's JSON API by default; functions/mail). */
  MAIL_PROVIDER_URL?: string;
  /** Days a billing profile keeps ingesting after reaching its monthly limit (0–90); default 7 (docs/billing.md). */
  QUOTA_GRACE_DAYS?: string;
  /** Seconds an isolate caches a billing profile's capacity for ingest (0–900); default 900. */
  CAPACITY_CACHE_SECONDS?: string;
  /** "Send me a test report" mails per user, "<limit>/<seconds>"; default "5/3600" (docs/reports.md). */
  REPORT_TEST_RATE_LIMIT?: string;
  /** Host of the Stripe API (functions/billing/config.ts); default "api.stripe.com", the local server in dev and tests. */
  STRIPE_API_HOST?: string;
  /** Its port; default 443. */
  STRIPE_API_PORT?: string;
  /** VisitTracker objects per site, 1–256; default 1. Changing it splits running visits once (docs/visits.md). */
  VISIT_SHARDS?: string;
  /** "https" (default) or "http" (the local Stripe server only; production refuses it at /api/health). */
  STRIPE_API_PROTOCOL?: string;
}

/** Queues carry typed messages; the generated types only know `Queue`. */
interface TypedQueues {
  EVENTS_QUEUE: Queue<EventBatchMessage>;
  EVENTS_DLQ: Queue<EventBatchMessage>;
}

/**
 * Bindings, vars and secrets. The bindings and the vars wrangler.toml sets come from
 * worker-configuration.d.ts, which `npm run types` generates from wrangler.toml (CI fails when
 * it is out of date); the rest is declared above.
 */
export interface Env
  extends Omit<Cloudflare.Env, keyof TypedQueues>,
    TypedQueues,
    OptionalSecrets,
    TunableVars {}
