import { PayloadError } from './types';

/** Largest request body the ingest endpoints accept, in UTF-8 bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Parses a request body that must be a JSON object of at most {@link MAX_BODY_BYTES} bytes.
 * Throws `body_too_large` or `invalid_json`.
 */
export function parseJsonObject(body: string): Record<string, unknown> {
  if (exceedsUtf8Bytes(body, MAX_BODY_BYTES)) {
    throw new PayloadError('body_too_large', `body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new PayloadError('invalid_json', 'body must be valid JSON');
  }
  if (!isPlainObject(parsed)) {
    throw new PayloadError('invalid_json', 'body must be a JSON object');
  }
  return parsed;
}

/** True for a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether `text` takes more than `limit` bytes in UTF-8. A UTF-16 unit encodes to 1–3 bytes, so
 * short and long bodies are decided from their length alone; only near-limit ones are counted.
 */
function exceedsUtf8Bytes(text: string, limit: number): boolean {
  if (text.length * 3 <= limit) return false;
  if (text.length > limit) return true;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      // A surrogate pair is one 4-byte code point.
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}
