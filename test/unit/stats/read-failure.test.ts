import { ClickHouseError } from '@clickhouse/client-web';
import { describe, expect, it } from 'vitest';
import { readFailure, readSettings } from '../../../workers/clickhouse/read';
import { ApiError } from '../../../workers/http/api-error';
import { RetryableError } from '../../../workers/http/retryable-error';

/** How a failed read becomes the API's answer (workers/clickhouse/read.ts). */

function clickhouseError(code: string, type: string, message = 'boom'): ClickHouseError {
  return new ClickHouseError({ code, type, message });
}

describe('readFailure', () => {
  it('no answer at all (refused, timeout, abort) is 503 unavailable with a retry time', () => {
    for (const error of [new TypeError('Network connection lost.'), new Error('Timeout error.')]) {
      const failure = readFailure(error);
      expect(failure).toBeInstanceOf(RetryableError);
      expect(failure).toMatchObject({ status: 503, code: 'unavailable' });
      expect((failure as RetryableError).retryAfterSeconds).toBeGreaterThan(0);
    }
  });

  it('a busy server is 503 too', () => {
    expect(readFailure(clickhouseError('202', 'TOO_MANY_SIMULTANEOUS_QUERIES'))).toMatchObject({
      status: 503,
    });
    expect(
      readFailure(
        clickhouseError('241', 'MEMORY_LIMIT_EXCEEDED', 'Memory limit (total) exceeded: would use 30 GiB'),
      ),
    ).toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('a statement over the read profile is 422 query_too_expensive', () => {
    for (const [code, type] of [
      ['158', 'TOO_MANY_ROWS'],
      ['159', 'TIMEOUT_EXCEEDED'],
      ['160', 'TOO_SLOW'],
      ['241', 'MEMORY_LIMIT_EXCEEDED'],
      ['307', 'TOO_MANY_BYTES'],
    ] as const) {
      expect(readFailure(clickhouseError(code, type, 'Query memory limit exceeded'))).toMatchObject({
        status: 422,
        code: 'query_too_expensive',
      });
    }
  });

  it('a regular expression RE2 refuses is the caller’s 400', () => {
    expect(readFailure(clickhouseError('427', 'CANNOT_COMPILE_REGEXP'))).toMatchObject({
      status: 400,
      code: 'invalid_query',
    });
  });

  it('anything else stays what it is (a 500 with a report): a bug or a misconfiguration', () => {
    const denied = clickhouseError('516', 'AUTHENTICATION_FAILED');
    expect(readFailure(denied)).toBe(denied);
    const api = new ApiError(400, 'invalid_query', 'x');
    expect(readFailure(api)).toBe(api);
  });
});

describe('readSettings', () => {
  it('is read-only in the mode that still accepts per-query settings, and cancels on close', () => {
    expect(readSettings({ maxExecutionSeconds: 10, maxMemoryBytes: 1e9, maxRowsToRead: 5e8 })).toEqual({
      readonly: '2',
      max_execution_time: 10,
      max_memory_usage: '1000000000',
      max_rows_to_read: '500000000',
      cancel_http_readonly_queries_on_client_close: 1,
    });
  });
});
