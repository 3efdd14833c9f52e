/**
 * A site's alert settings as the API shows and takes them, and the rules for changing them. Pure:
 * the D1 side is store.ts. Every problem is a 400 whose code names the field, so a form can point
 * at it, and nothing is written unless the whole change is valid.
 */
import { emailField } from '../auth/guards';
import { ApiError } from '../errors';

export interface AlertSettings {
  /** More than `threshold` current visitors (the dashboard's "current visitors", last 5 minutes). */
  spike: { enabled: boolean; threshold: number };
  /** Yesterday under `ratio` × the median of the 4 same weekdays before it. */
  drop: { enabled: boolean; ratio: number };
  /** Yesterday's p75 LCP, INP or CLS in a worse band than over the 7 days before. */
  vitals: { enabled: boolean };
  /** Lower-cased addresses, in the order given. */
  recipients: string[];
}

export const ALERT_KINDS = ['spike', 'drop', 'vitals'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Recipients per site, as for reports. */
export const MAX_ALERT_RECIPIENTS = 10;
/** Plausible's default for its traffic-spike notification. */
export const DEFAULT_SPIKE_THRESHOLD = 10;
export const MAX_SPIKE_THRESHOLD = 1_000_000;
export const DEFAULT_DROP_RATIO = 0.5;
/** A ratio outside this range alerts on every quiet day, or never. */
export const MIN_DROP_RATIO = 0.05;
export const MAX_DROP_RATIO = 0.95;

/** What a site without a row in `site_alerts` has: everything off. */
export function defaultAlertSettings(): AlertSettings {
  return {
    spike: { enabled: false, threshold: DEFAULT_SPIKE_THRESHOLD },
    drop: { enabled: false, ratio: DEFAULT_DROP_RATIO },
    vitals: { enabled: false },
    recipients: [],
  };
}

function invalid(code: string, message: string): ApiError {
  return new ApiError(400, code, message);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A section of the body (`spike`, `drop`, `vitals`): an object with only the keys allowed. */
function section(body: Record<string, unknown>, name: AlertKind, keys: string[]): Record<string, unknown> {
  const value = body[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`invalid_${name}`, `${name} must be an object with ${keys.join(', ')}`);
  }
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !keys.includes(key));
  if (unknown.length > 0) {
    throw invalid(
      `invalid_${name}`,
      `${name}: unknown field ${show(unknown[0])}; allowed: ${keys.join(', ')}`,
    );
  }
  return record;
}

function enabled(record: Record<string, unknown>, name: AlertKind, current: boolean): boolean {
  if (record.enabled === undefined) return current;
  if (typeof record.enabled !== 'boolean') {
    throw invalid(`invalid_${name}`, `${name}.enabled must be true or false`);
  }
  return record.enabled;
}

function parseThreshold(value: unknown, current: number): number {
  if (value === undefined) return current;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SPIKE_THRESHOLD) {
    throw invalid(
      'invalid_spike',
      `spike.threshold must be a whole number of current visitors from 1 to ${MAX_SPIKE_THRESHOLD.toLocaleString('en-US')}, got ${show(value)}`,
    );
  }
  return value;
}

function parseRatio(value: unknown, current: number): number {
  if (value === undefined) return current;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < MIN_DROP_RATIO ||
    value > MAX_DROP_RATIO
  ) {
    throw invalid(
      'invalid_drop',
      `drop.ratio must be a number from ${MIN_DROP_RATIO} to ${MAX_DROP_RATIO} (0.5: alert under half the usual visitors), got ${show(value)}`,
    );
  }
  // Whole percents: what the dashboard shows and the mail says.
  return Math.round(value * 100) / 100;
}

/** The recipient list: at most 10 valid addresses, lower-cased, duplicates dropped. */
export function parseRecipients(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_ALERT_RECIPIENTS) {
    throw invalid(
      'invalid_recipients',
      `recipients must be a list of at most ${MAX_ALERT_RECIPIENTS} email addresses`,
    );
  }
  const emails = value.map((entry) => {
    try {
      if (typeof entry !== 'string') throw new Error('not a string');
      return emailField({ email: entry });
    } catch {
      throw invalid('invalid_recipients', `${show(entry)} is not an email address`);
    }
  });
  return [...new Set(emails)];
}

const FIELDS = ['spike', 'drop', 'vitals', 'recipients'];

/**
 * The settings after applying a PATCH body to `current`. Sections and their fields are optional
 * (what is left out stays); `recipients` replaces the list. Turning an alert on needs somebody to
 * send it to.
 */
export function applyAlertChanges(current: AlertSettings, body: Record<string, unknown>): AlertSettings {
  const unknown = Object.keys(body).filter((key) => !FIELDS.includes(key));
  if (unknown.length > 0) {
    throw invalid(
      'unknown_field',
      `cannot change ${unknown.slice(0, 5).join(', ')}; changeable: ${FIELDS.join(', ')}`,
    );
  }
  const next: AlertSettings = {
    spike: { ...current.spike },
    drop: { ...current.drop },
    vitals: { ...current.vitals },
    recipients: [...current.recipients],
  };
  if (body.spike !== undefined) {
    const spike = section(body, 'spike', ['enabled', 'threshold']);
    next.spike = {
      enabled: enabled(spike, 'spike', current.spike.enabled),
      threshold: parseThreshold(spike.threshold, current.spike.threshold),
    };
  }
  if (body.drop !== undefined) {
    const drop = section(body, 'drop', ['enabled', 'ratio']);
    next.drop = {
      enabled: enabled(drop, 'drop', current.drop.enabled),
      ratio: parseRatio(drop.ratio, current.drop.ratio),
    };
  }
  if (body.vitals !== undefined) {
    const vitals = section(body, 'vitals', ['enabled']);
    next.vitals = { enabled: enabled(vitals, 'vitals', current.vitals.enabled) };
  }
  if (body.recipients !== undefined) next.recipients = parseRecipients(body.recipients);
  const anyOn = next.spike.enabled || next.drop.enabled || next.vitals.enabled;
  if (anyOn && next.recipients.length === 0) {
    throw invalid('no_recipients', 'add at least one recipient before turning an alert on');
  }
  return next;
}
