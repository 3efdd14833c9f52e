import { PayloadError } from './types';

export const MAX_URL_LENGTH = 2000;
export const MAX_REFERRER_LENGTH = 2000;
export const MAX_EVENT_NAME_LENGTH = 120;
/** Longest DNS name. */
export const MAX_DOMAIN_LENGTH = 253;
export const MAX_SCREEN_WIDTH = 100_000;

/** A required string field; `missing_field` when absent or blank, `invalid_field` when not a string. */
export function requiredString(value: unknown, field: string): string {
  if (value === undefined || value === null) {
    throw new PayloadError('missing_field', `${field} is required`);
  }
  if (typeof value !== 'string') {
    throw new PayloadError('invalid_field', `${field} must be a string`);
  }
  const trimmed = value.trim();
  if (trimmed === '') throw new PayloadError('missing_field', `${field} must not be empty`);
  return trimmed;
}

/** An optional string field: '' when absent or null. */
export function optionalString(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new PayloadError('invalid_field', `${field} must be a string`);
  }
  return value.trim();
}

/** A page URL: absolute http(s), at most {@link MAX_URL_LENGTH} characters. */
export function pageUrl(value: string, field: string): string {
  if (value.length > MAX_URL_LENGTH) {
    throw new PayloadError('too_long', `${field} must be at most ${MAX_URL_LENGTH} characters`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new PayloadError('invalid_url', `${field} must be an absolute http(s) URL`);
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    throw new PayloadError('invalid_url', `${field} must be an absolute http(s) URL`);
  }
  return value;
}

/**
 * A referrer as sent by the browser, unvalidated beyond its length: whatever it holds is only
 * classified later, and an unparseable one simply counts as no referrer.
 */
export function referrerField(value: unknown, field: string): string {
  const referrer = optionalString(value, field);
  if (referrer.length > MAX_REFERRER_LENGTH) {
    throw new PayloadError('too_long', `${field} must be at most ${MAX_REFERRER_LENGTH} characters`);
  }
  return referrer;
}

/** An event name: non-empty, at most {@link MAX_EVENT_NAME_LENGTH} characters. */
export function eventName(value: unknown, field: string): string {
  const name = requiredString(value, field);
  if (name.length > MAX_EVENT_NAME_LENGTH) {
    throw new PayloadError('too_long', `${field} must be at most ${MAX_EVENT_NAME_LENGTH} characters`);
  }
  return name;
}

/** A viewport or screen width in CSS pixels: a number in 0..100000, rounded; null when absent. */
export function screenWidth(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_SCREEN_WIDTH) {
    throw new PayloadError('invalid_field', `${field} must be a number from 0 to ${MAX_SCREEN_WIDTH}`);
  }
  return Math.round(value);
}
