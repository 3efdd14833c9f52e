import { isPlainObject } from '../../http/body';
import { PayloadError } from './types';

export { isPlainObject };

/**
 * Largest request body the ingest endpoints accept, in UTF-8 bytes. The route reads the body
 * with the shared capped reader (workers/http/body.ts), so a larger one never reaches the parser.
 */
export const MAX_BODY_BYTES = 16 * 1024;

/** Parses an event body that must be a JSON object. Throws `invalid_json`. */
export function parseJsonObject(body: string): Record<string, unknown> {
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
