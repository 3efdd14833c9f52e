/**
 * The visit rule (Plausible's): a visit ends after 30 minutes without an event from its visitor.
 * A pure function over a visitor's recent visits and a batch of events, so the state can live
 * wherever the platform keeps it cheaply (docs/visits.md) and tests can count by hand.
 *
 * - A visit may span hours and midnight: only the gap between events matters.
 * - The visitor id changes at the daily salt rotation, so a visit also ends there.
 * - A visit's id is fixed when it starts and never changes, so events already stored keep it.
 * - Idempotent: an event delivered again falls inside the visit it made or joined, and gets the
 *   same id. Events out of order join the nearest visit within 30 minutes of them, so a visitor's
 *   visits never overlap; they never merge two visits (that would change stored ids).
 */

/** Thirty minutes without an event ends a visit. */
export const VISIT_GAP_MS = 30 * 60_000;

/** Visits idle this long are forgotten: the visitor id has rotated by then (daily salts, 48 h). */
export const VISIT_MEMORY_MS = 26 * 3_600_000;

/** One visit of a visitor: its id and the span of its events so far. */
export interface VisitSpan {
  id: bigint;
  /** First and last event, ms. */
  first: number;
  last: number;
}

export interface VisitEvent {
  visitor: bigint;
  /** ms */
  timestamp: number;
}

/** A visitor's visits, oldest first, keyed by visitor id. */
export type VisitState = Map<bigint, VisitSpan[]>;

const MASK64 = (1n << 64n) - 1n;

/** The id of the visit a visitor starts at `first` (ms): SplitMix64 of both, so ids look unrelated. */
export function visitId(visitor: bigint, first: number): bigint {
  let z = (visitor ^ BigInt(first)) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

function spanFor(spans: VisitSpan[], timestamp: number): VisitSpan | undefined {
  // The nearest visit within 30 minutes (0 when the event falls inside one); on a tie the newer.
  // Joining the nearest keeps a visitor's visits disjoint, so an event delivered again lies
  // inside exactly one visit: the one it joined the first time.
  let best: VisitSpan | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const span of spans) {
    const distance =
      timestamp < span.first ? span.first - timestamp : timestamp > span.last ? timestamp - span.last : 0;
    if (distance <= VISIT_GAP_MS && distance <= bestDistance) {
      best = span;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * The visit id of each event, in the order given, updating `state`. Events are taken in time
 * order (ties in the order given), so a batch that holds a whole visit gives the same ids as one
 * event at a time.
 */
export function assignVisits(state: VisitState, events: VisitEvent[]): bigint[] {
  const ids = new Array<bigint>(events.length);
  const order = events
    .map((_, i) => i)
    .sort((a, b) => (events[a]?.timestamp ?? 0) - (events[b]?.timestamp ?? 0) || a - b);
  for (const i of order) {
    const event = events[i];
    if (!event) continue;
    let spans = state.get(event.visitor);
    if (!spans) {
      spans = [];
      state.set(event.visitor, spans);
    }
    let span = spanFor(spans, event.timestamp);
    if (span) {
      span.first = Math.min(span.first, event.timestamp);
      span.last = Math.max(span.last, event.timestamp);
    } else {
      span = { id: visitId(event.visitor, event.timestamp), first: event.timestamp, last: event.timestamp };
      spans.push(span);
      spans.sort((a, b) => a.first - b.first);
    }
    ids[i] = span.id;
  }
  return ids;
}

/** Forgets visits idle for `VISIT_MEMORY_MS` before `now`; returns how many visitors are left. */
export function forgetIdle(state: VisitState, now: number): number {
  for (const [visitor, spans] of state) {
    const kept = spans.filter((span) => now - span.last < VISIT_MEMORY_MS);
    if (kept.length === 0) state.delete(visitor);
    else state.set(visitor, kept);
  }
  return state.size;
}
