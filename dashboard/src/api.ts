/**
 * The one place the dashboard talks HTTP: JSON in and out, the session's CSRF token on every
 * state-changing request, and the API's `{ error: { code, message } }` turned into an ApiError.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken = '';

/** Kept from login, signup and /api/auth/me; sent as X-CSRF-Token. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when any request answers 401, so the app can show the sign-in page. */
let onUnauthorized: (() => void) | null = null;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Do not treat a 401 as "signed out" (login forms, shared links with a password). */
  expect401?: boolean;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', 'Could not reach Edgebear. Check your connection and try again.');
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
    if (response.status === 401 && !options.expect401) onUnauthorized?.();
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `The server answered ${response.status}.`,
    );
  }
  return data as T;
}

export const get = <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options);
export const post = <T>(path: string, body?: unknown, options?: RequestOptions) =>
  request<T>('POST', path, { ...options, body });
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body });
export const del = <T>(path: string) => request<T>('DELETE', path);

export interface User {
  id: number;
  email: string;
  email_verified: boolean;
  totp_enabled: boolean;
}

export interface Site {
  id: number;
  domain: string;
  public_key: string;
  timezone: string;
  allowed_hostnames: string[];
  respect_dnt: boolean;
  public_dashboard: boolean;
  excluded_paths: string[];
  shared_link: { id: string; url: string; password_protected: boolean } | null;
  created_at: string;
  updated_at: string;
}

export type PlanInterval = 'month' | 'year';
export type UsageState = 'ok' | 'warning' | 'grace' | 'over';

/** One plan as `GET /api/billing` lists it; `available` says which intervals can be bought. */
export interface PlanOffer {
  id: string;
  name: string;
  monthly_events: number;
  sites: number;
  retention_months: number;
  features: { stats_api: boolean; funnels: boolean; uptime_checks: boolean; web_vitals: boolean };
  paid: boolean;
  price_cents: Record<PlanInterval, number>;
  available: Record<PlanInterval, boolean>;
}

/** `GET /api/billing`: the account's plan, subscription and this period's usage (docs/billing.md). */
export interface Billing {
  plan: string;
  interval: PlanInterval | null;
  /** Stripe's subscription status, null on the free plan. */
  status: string | null;
  /** The metered period, [start, end) as ISO instants. */
  period_start: string | null;
  period_end: string | null;
  cancel_at_period_end: boolean;
  subscription_period_end: string | null;
  usage: { events: number; limit: number; percent: number; over_events: number };
  state: UsageState;
  grace_ends_at: string | null;
  limits: { monthly_events: number; sites: number; retention_months: number };
  can_manage: boolean;
  is_owner: boolean;
  plans: PlanOffer[];
}

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  site_id: number | null;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  secret?: string;
}
