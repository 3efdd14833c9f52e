/**
 * The client side of `npm run replay`: asks a running Worker, over its admin API (bearer
 * ADMIN_TOKEN), to send parked dead letters back to the events queue, one page per request
 * (`POST /admin/dead-letters/replay`), until the Worker says nothing is left. The Worker does the
 * idempotent part (claims, sends, deletes: workers/consumer/dead-letters.ts); this side pages,
 * counts, reports progress and turns failures into sentences an operator can act on.
 */
import type { ReplayOutcome } from '../../workers/consumer/dead-letters';

export interface ReplayRun {
  /** The Worker, e.g. http://127.0.0.1:8787. */
  url: string;
  token: string;
  /** Messages per request (1 … 1000). */
  limit: number;
  dryRun: boolean;
  /** Called after every page, for progress. */
  onPage?: (totals: ReplayTotals) => void;
  fetch?: typeof fetch;
}

export interface ReplayTotals {
  dryRun: boolean;
  /** Parked messages and their events when the run started (for progress). */
  parkedAtStart: { messages: number; events: number };
  pages: number;
  /** Messages (and their events) replayed, or in a dry run: that would be replayed. */
  messages: number;
  events: number;
  /** Poison messages: not an event batch, never sent, still parked. */
  skipped: number;
  /** Messages another replay running at the same time was sending. */
  busy: number;
  /** Messages ClickHouse already held (stored before they were parked): not sent again, removed. */
  stored: number;
  /** Messages parked after the last page. */
  remaining: number;
}

/** A failure with a sentence for the operator, and what was done before it. */
export class ReplayError extends Error {
  override name = 'ReplayError';
  constructor(
    message: string,
    readonly totals: ReplayTotals | null = null,
  ) {
    super(message);
  }
}

/** Pages through the replay until the Worker answers that this run has read every parked message. */
export async function replayAll(run: ReplayRun): Promise<ReplayTotals> {
  const base = run.url.replace(/\/+$/, '');
  const call = caller(base, run.token, run.fetch ?? fetch);
  const parked = await call('GET', '/admin/dead-letters', null);
  if (!isCount(parked)) throw new ReplayError(`unexpected answer from ${base}/admin/dead-letters`);
  const totals: ReplayTotals = {
    dryRun: run.dryRun,
    parkedAtStart: { messages: parked.messages, events: parked.events },
    pages: 0,
    messages: 0,
    events: 0,
    skipped: 0,
    busy: 0,
    stored: 0,
    remaining: parked.messages,
  };
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(run.limit) });
    if (run.dryRun) query.set('dry_run', '1');
    if (cursor !== null) query.set('cursor', cursor);
    const page = await call('POST', `/admin/dead-letters/replay?${query}`, totals);
    if (!isOutcome(page))
      throw new ReplayError(`unexpected answer from ${base}/admin/dead-letters/replay`, totals);
    totals.pages++;
    totals.messages += page.replayed;
    totals.events += page.events;
    totals.skipped += page.skipped;
    totals.busy += page.busy;
    // A Worker from before the check has no `stored`.
    totals.stored += typeof page.stored === 'number' ? page.stored : 0;
    totals.remaining = page.remaining;
    run.onPage?.({ ...totals });
    // The Worker's cursor only moves forward; one that does not would loop for ever.
    if (page.next !== null && page.next === cursor)
      throw new ReplayError('the Worker answered the same cursor twice; stopping', totals);
    cursor = page.next;
  } while (cursor !== null);
  return totals;
}

type Call = (method: 'GET' | 'POST', path: string, totals: ReplayTotals | null) => Promise<unknown>;

/** One admin API request, its failures mapped to what the operator should check. */
function caller(base: string, token: string, fetchFn: typeof fetch): Call {
  return async function adminCall(method, path, totals) {
    let res: Response;
    try {
      res = await fetchFn(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ECONNREFUSED')
        throw new ReplayError(
          `connection refused: is the Worker running at ${base}? (npm run dev, or pass --url)`,
          totals,
        );
      throw new ReplayError(`cannot reach the Worker at ${base}: ${code ?? String(error)}`, totals);
    }
    const text = await res.text();
    if (res.ok) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ReplayError(
          `${base}${path} answered ${res.status} with something that is not JSON`,
          totals,
        );
      }
    }
    const error = apiError(text);
    if (res.status === 401)
      throw new ReplayError(
        `wrong ADMIN_TOKEN: the Worker at ${base} refused it (pass --token, or set ADMIN_TOKEN)`,
        totals,
      );
    if (res.status === 503 && error?.code === 'not_configured')
      throw new ReplayError(`the Worker at ${base} has no ADMIN_TOKEN configured`, totals);
    if (res.status === 404)
      throw new ReplayError(`${base}${path.split('?')[0]} answered 404: is this an Edgebear Worker?`, totals);
    throw new ReplayError(
      `the Worker answered ${res.status}${error ? ` ${error.code}: ${error.message}` : `: ${text.slice(0, 200)}`}`,
      totals,
    );
  };
}

/** The errno-style code of a failed fetch (undici puts it on `cause`). */
function errorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = cause?.code ?? (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function apiError(text: string): { code: string; message: string } | null {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body.error ?? {};
    return typeof code === 'string' && typeof message === 'string' ? { code, message } : null;
  } catch {
    return null;
  }
}

function isCount(body: unknown): body is { messages: number; events: number } {
  const b = body as { messages?: unknown; events?: unknown } | null;
  return (
    typeof b === 'object' && b !== null && typeof b.messages === 'number' && typeof b.events === 'number'
  );
}

function isOutcome(body: unknown): body is ReplayOutcome {
  const b = body as Partial<Record<keyof ReplayOutcome, unknown>> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.replayed === 'number' &&
    typeof b.events === 'number' &&
    typeof b.skipped === 'number' &&
    typeof b.busy === 'number' &&
    typeof b.remaining === 'number' &&
    (b.next === null || typeof b.next === 'string')
  );
}

const number = new Intl.NumberFormat('en-US');

/** One progress line: how far through the messages parked at the start this run is. */
export function progressLine(totals: ReplayTotals): string {
  const done = totals.messages + totals.skipped + totals.busy + totals.stored;
  const of = Math.max(done, totals.parkedAtStart.messages);
  const verb = totals.dryRun ? 'counted' : 'replayed';
  return `${verb} ${number.format(done)}/${number.format(of)} messages · ${number.format(totals.events)} events · ${number.format(totals.skipped)} skipped`;
}

/** The closing summary: replayed / skipped / remaining, and what a skip or a dry run means. */
export function summary(totals: ReplayTotals): string[] {
  const lines = [
    totals.dryRun
      ? `dry run: would replay ${number.format(totals.messages)} messages (${number.format(totals.events)} events) · skipped ${number.format(totals.skipped)} · remaining ${number.format(totals.remaining)}; nothing was changed`
      : `replayed ${number.format(totals.messages)} messages (${number.format(totals.events)} events) · skipped ${number.format(totals.skipped)} · remaining ${number.format(totals.remaining)}`,
  ];
  if (totals.skipped > 0)
    lines.push(
      `${number.format(totals.skipped)} skipped: not an event batch (poison), never sent; they stay parked in D1 table dead_letters`,
    );
  if (totals.busy > 0)
    lines.push(`${number.format(totals.busy)} were being sent by another replay running at the same time`);
  if (totals.stored > 0)
    lines.push(
      `${number.format(totals.stored)} not sent: ClickHouse already held their events (stored before they were parked)`,
    );
  return lines;
}
