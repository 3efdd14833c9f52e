import { ApiError } from './api-error';

/**
 * The one way a request body is read: streamed with a byte cap, so an oversized or endless body
 * is refused after `maxBytes` UTF-8 bytes instead of being buffered whole, and one set of error
 * codes for every route: `body_too_large` (413) and `invalid_json` (400).
 */

export const BODY_TOO_LARGE = 'body_too_large';
export const INVALID_JSON = 'invalid_json';

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, BODY_TOO_LARGE, `the request body must be at most ${formatBytes(maxBytes)}`);
}

function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} bytes`;
}

/**
 * The body as text, at most `maxBytes` bytes of UTF-8. A `Content-Length` over the cap is refused
 * before reading; otherwise the stream is read chunk by chunk and cancelled as soon as it passes
 * the cap (a missing or lying `Content-Length` changes nothing). `headers` are the request's, for
 * a caller that has read them already.
 *
 * Not an async function: a body within the cap by its declared length is the runtime's own
 * `text()` promise, handed back as it is, without a promise of this function's wrapped around it
 * (every event pays for each such layer; docs/benchmarks.md, the ingest profile).
 */
export function readBodyText(
  request: Request,
  maxBytes: number,
  headers: Headers = request.headers,
): Promise<string> {
  const length = headers.get('content-length');
  const declared = length === null ? Number.NaN : Number(length);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  // A body within the cap by its declared length is read in one call: the runtime's HTTP framing
  // delivers no more bytes than Content-Length says, and reading chunk by chunk cost the ingest
  // path measurable CPU per event (docs/benchmarks.md, the profile).
  if (Number.isFinite(declared) && declared > 0) return request.text();
  return readStreamText(request, maxBytes);
}

/** The body read chunk by chunk, cancelled as soon as it passes `maxBytes`. */
async function readStreamText(request: Request, maxBytes: number): Promise<string> {
  const body = request.body;
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop the sender: nothing past the cap is read.
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** True for a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `text` as JSON; `invalid_json` (400) when it is not. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, INVALID_JSON, 'the request body is not valid JSON');
  }
}

export interface ReadJsonOptions {
  maxBytes: number;
  /** An empty body reads as `{}` (routes whose fields are all optional). Default false. */
  emptyAsObject?: boolean;
}

/** The body as a JSON object, read with {@link readBodyText}'s cap; 413 or 400 for anything else. */
export async function readJsonObject(
  request: Request,
  options: ReadJsonOptions,
): Promise<Record<string, unknown>> {
  const text = await readBodyText(request, options.maxBytes);
  if (text === '' && options.emptyAsObject) return {};
  const parsed = parseJson(text);
  if (!isPlainObject(parsed)) {
    throw new ApiError(400, INVALID_JSON, 'the request body must be a JSON object');
  }
  return parsed;
}

/** The body as any JSON value (arrays included), with the same cap and errors. */
export async function readJsonValue(request: Request, maxBytes: number): Promise<unknown> {
  return parseJson(await readBodyText(request, maxBytes));
}
