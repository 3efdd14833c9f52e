import { workerFetch } from '../helpers/stack';

/** What a signed-in browser sends: the session cookie and, on changes, the CSRF header. */
export interface Caller {
  cookie: string;
  csrf: string;
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: { code: string; message: string } };
}

/**
 * Calls the API as the dashboard would. `csrf: false` leaves the CSRF header out; no caller
 * means no cookie at all.
 */
export async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: { as?: Caller; body?: unknown; csrf?: boolean; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers = new Headers(options.headers);
  if (options.as) {
    headers.set('cookie', options.as.cookie);
    if (options.csrf !== false) headers.set('x-csrf-token', options.as.csrf);
  }
  if (options.body !== undefined) headers.set('content-type', 'application/json');
  const res = await workerFetch(path, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as ApiResponse<T>['body'] };
}

let domainCounter = 0;

/** A domain no other test uses. */
export function uniqueDomain(label = 'site'): string {
  domainCounter++;
  return `${label}-${Date.now().toString(36)}${domainCounter}${Math.random().toString(36).slice(2, 6)}.example`;
}
