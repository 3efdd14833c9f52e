import { version } from 'chdb';

/** The engine's version, as a real server prints it at the end of every error. */
export const ENGINE_VERSION = version().libchdb;

/** An error reported the ClickHouse way: numeric code, name, message and HTTP status. */
export class ClickHouseHttpError extends Error {
  constructor(
    readonly code: number,
    readonly errorName: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ClickHouseHttpError';
  }

  /** The body a real server sends: `Code: 62. DB::Exception: ... (SYNTAX_ERROR) (version ...)`. */
  body(): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.errorName}) (version ${ENGINE_VERSION})\n`;
  }
}

/** What a real server answers for something it knows but the bridge does not do: code 48. */
export function notImplemented(message: string): ClickHouseHttpError {
  return new ClickHouseHttpError(48, 'NOT_IMPLEMENTED', message, 501);
}
