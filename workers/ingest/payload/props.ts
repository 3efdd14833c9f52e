import { isPlainObject } from './json-body';
import { PayloadError } from './types';

export const MAX_PROPS = 30;
export const MAX_PROP_KEY_LENGTH = 300;
export const MAX_PROP_VALUE_LENGTH = 2000;

/**
 * Custom properties as stored: string keys to string values.
 *
 * Accepts an object or a JSON string holding one (Plausible's tracker sends either). Strings are
 * kept, finite numbers and booleans become their string form. `null` and empty-string values are
 * dropped silently, as Plausible does, because trackers send them for "not set". Nested objects and
 * arrays are refused (`invalid_props`): flattening them would invent keys the sender never chose,
 * and dropping them would lose data without a word. `field` names the payload key in messages.
 */
export function normaliseProps(raw: unknown, field: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  let source = raw;
  if (typeof source === 'string') {
    if (source.trim() === '') return {};
    try {
      source = JSON.parse(source);
    } catch {
      throw new PayloadError('invalid_props', `${field} must be an object or a JSON string holding one`);
    }
  }
  if (!isPlainObject(source)) {
    throw new PayloadError('invalid_props', `${field} must be an object or a JSON string holding one`);
  }

  const props: Record<string, string> = {};
  let count = 0;
  for (const [key, value] of Object.entries(source)) {
    const text = propValue(value, field, key);
    if (text === null) continue;
    if (++count > MAX_PROPS) {
      throw new PayloadError('too_many_props', `${field} may hold at most ${MAX_PROPS} properties`);
    }
    if (key.length === 0) {
      throw new PayloadError('invalid_props', `${field} keys must not be empty`);
    }
    if (key.length > MAX_PROP_KEY_LENGTH) {
      throw new PayloadError('too_long', `${field} keys must be at most ${MAX_PROP_KEY_LENGTH} characters`);
    }
    if (text.length > MAX_PROP_VALUE_LENGTH) {
      throw new PayloadError(
        'too_long',
        `${field}.${key.slice(0, 40)} must be at most ${MAX_PROP_VALUE_LENGTH} characters`,
      );
    }
    props[key] = text;
  }
  return props;
}

/** The stored form of one property value, or null when the property is dropped. */
function propValue(value: unknown, field: string, key: string): string | null {
  switch (typeof value) {
    case 'string':
      return value === '' ? null : value;
    case 'number':
      // JSON.parse never yields NaN or Infinity; checked so no caller can ever store 'NaN'.
      if (!Number.isFinite(value)) {
        throw new PayloadError('invalid_props', `${field}.${key.slice(0, 40)} must be a finite number`);
      }
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value === null || value === undefined) return null;
      throw new PayloadError(
        'invalid_props',
        `${field}.${key.slice(0, 40)} must be a string, number or boolean, not an object or array`,
      );
  }
}
