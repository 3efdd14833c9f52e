/**
 * Local ClickHouse: the ClickHouse HTTP interface (the part `@clickhouse/client-web` speaks) served
 * by the real engine embedded through chDB. The Worker talks to this exactly as it talks to
 * ClickHouse Cloud, so local runs exercise the production query path.
 *
 * Each request gets its own chDB session on the shared data directory. Sessions on one path share
 * tables but not settings, current database or query parameters, so per-request `SET`s stay
 * isolated and requests run concurrently (one session alone would run them one at a time).
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { type ChdbResult, drainPending, Session } from 'chdb';
import { AsyncInsertQueue } from './async-inserts';
import { type BridgeUser, grantChecker, requiredGrant } from './grants';
import { ClickHouseHttpError, ENGINE_VERSION, notImplemented } from './http-error';
import { numericSetting, settingIsOn, splitSettings } from './settings';
import { describeStatement, type StatementKind } from './sql';

export interface ClickHouseServerOptions {
  port: number;
  host?: string;
  /** Where tables live; reused across restarts. */
  dataDir: string;
  /**
   * The users and their grants, enforced by the bridge (grants.ts). Without them, `user` with
   * `password` is the one user and may do anything.
   */
  users?: readonly BridgeUser[];
  user?: string;
  password?: string;
  /** One line per request on stdout. */
  log?: boolean;
}

export interface ClickHouseServer {
  /** Base URL, e.g. `http://127.0.0.1:8123` (the real port when `port` was 0). */
  url: string;
  /** Async inserts queued and not yet written. */
  readonly pendingAsyncInserts: number;
  close(): Promise<void>;
}

/** Request bodies above this are refused; real inserts are batches far below it. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

/**
 * URL parameters the HTTP layer consumes itself. Every other parameter is a ClickHouse setting
 * for this one query, exactly as on a real server.
 */
const HTTP_PARAMETERS = new Set([
  'query',
  'database',
  'default_format',
  'user',
  'password',
  'query_id',
  'compress',
  'decompress',
  // The result is always buffered whole before it is sent, which is what these two ask for.
  'buffer_size',
  'wait_end_of_query',
  // Only changes what an error body carries; the engine's message is always complete.
  'stacktrace',
  'client_protocol_version',
  'enable_http_compression',
]);

/**
 * HTTP parameters a server acts on and the bridge cannot: HTTP sessions (each request is its own
 * session here, so a temporary table would vanish), roles and quotas (users have fixed grants).
 * Refused, so a client that starts relying on them fails locally first.
 */
const REFUSED_HTTP_PARAMETERS = new Set([
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'role',
  'quota_key',
]);

/** ClickHouse's own mapping of error names to HTTP statuses (the cases a client can act on). */
const BAD_REQUEST_ERRORS = new Set([
  'SYNTAX_ERROR',
  'BAD_ARGUMENTS',
  'ILLEGAL_TYPE_OF_ARGUMENT',
  'NUMBER_OF_ARGUMENTS_DOESNT_MATCH',
  'TYPE_MISMATCH',
  'INCORRECT_DATA',
  'UNKNOWN_QUERY_PARAMETER',
  'BAD_QUERY_PARAMETER',
  'CANNOT_PARSE_TEXT',
  'CANNOT_PARSE_ESCAPE_SEQUENCE',
  'CANNOT_PARSE_QUOTED_STRING',
  'CANNOT_PARSE_DATE',
  'CANNOT_PARSE_DATETIME',
  'CANNOT_PARSE_NUMBER',
  'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  'CANNOT_PARSE_BOOL',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'UNKNOWN_ELEMENT_IN_AST',
  'UNEXPECTED_AST_STRUCTURE',
  'TOO_DEEP_AST',
  'TOO_BIG_AST',
  'EMPTY_DATA_PASSED',
]);
const NOT_FOUND_ERRORS = new Set([
  'UNKNOWN_TABLE',
  'UNKNOWN_DATABASE',
  'UNKNOWN_FUNCTION',
  'UNKNOWN_IDENTIFIER',
  'UNKNOWN_TYPE',
  'UNKNOWN_STORAGE',
  'UNKNOWN_SETTING',
  'UNKNOWN_AGGREGATE_FUNCTION',
  'UNKNOWN_FORMAT',
  'UNKNOWN_DATABASE_ENGINE',
  'UNKNOWN_TYPE_OF_QUERY',
  'UNKNOWN_ROLE',
]);
const FORBIDDEN_ERRORS = new Set(['READONLY', 'ACCESS_DENIED', 'QUERY_IS_PROHIBITED']);

/** Turns whatever the engine threw into a status, a code and the engine's own error text. */
function describeFailure(error: unknown): { status: number; code: number; body: string } {
  if (error instanceof ClickHouseHttpError) {
    return { status: error.status, code: error.code, body: error.body() };
  }
  const message = error instanceof Error ? error.message : String(error);
  const codeFromError =
    typeof error === 'object' && error !== null && 'clickhouseCode' in error
      ? error.clickhouseCode
      : undefined;
  const codeMatch = /^Code: (\d+)\./.exec(message);
  const code =
    typeof codeFromError === 'number'
      ? codeFromError
      : codeMatch?.[1] !== undefined
        ? Number(codeMatch[1])
        : 1001;
  // The innermost name is the real one; wrapped errors repeat it.
  const names = [...message.matchAll(/\(([A-Z][A-Z0-9_]{2,})\)/g)];
  const errorName = names.at(-1)?.[1] ?? 'STD_EXCEPTION';
  const text = message.startsWith('Code: ')
    ? message
    : `Code: ${code}. DB::Exception: ${message}. (${errorName})`;
  const body = /\(version [^)]*\)\s*$/.test(text) ? `${text}\n` : `${text} (version ${ENGINE_VERSION})\n`;
  return { status: statusFor(errorName), code, body };
}

function statusFor(errorName: string): number {
  if (BAD_REQUEST_ERRORS.has(errorName)) return 400;
  if (NOT_FOUND_ERRORS.has(errorName)) return 404;
  if (FORBIDDEN_ERRORS.has(errorName)) return 403;
  if (errorName === 'AUTHENTICATION_FAILED' || errorName === 'REQUIRED_PASSWORD') return 401;
  if (errorName === 'NOT_IMPLEMENTED') return 501;
  return 500;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PARAMETER_NAME = /^[A-Za-z0-9_]+$/;

/** A ClickHouse string literal holding `value` byte for byte; backslash first, then the quote. */
function stringLiteral(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

interface Credentials {
  user: string;
  password: string;
}

/** Credentials the way ClickHouse reads them: X-ClickHouse-* headers, Basic auth, then URL. */
function requestCredentials(req: IncomingMessage, url: URL): Credentials {
  const headerUser = req.headers['x-clickhouse-user'];
  if (typeof headerUser === 'string') {
    const key = req.headers['x-clickhouse-key'];
    return { user: headerUser, password: typeof key === 'string' ? key : '' };
  }
  const authorization = req.headers.authorization;
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1
      ? { user: decoded, password: '' }
      : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return {
    user: url.searchParams.get('user') ?? 'default',
    password: url.searchParams.get('password') ?? '',
  };
}

/** Constant-time comparison, so the password cannot be guessed byte by byte from timings. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotliDecompress = promisify(zlib.brotliDecompress);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new ClickHouseHttpError(
        36,
        'BAD_ARGUMENTS',
        `Request body is larger than the local bridge's ${MAX_BODY_BYTES} byte limit`,
        413,
      );
    }
    chunks.push(buffer);
  }
  const raw = Buffer.concat(chunks);
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase().trim();
  if (encoding === '' || encoding === 'identity') return raw;
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzip(raw);
  if (encoding === 'deflate') return inflate(raw);
  if (encoding === 'br') return brotliDecompress(raw);
  throw notImplemented(`Unsupported Content-Encoding: ${encoding}`);
}

/**
 * multipart/form-data bodies carry the query and `param_*` values when the client finds them too
 * long for a URL. Parts are `name -> text`; files (external tables) are not supported here.
 */
function parseMultipart(body: Buffer, contentType: string): Map<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2]?.trim();
  if (marker === undefined) {
    throw new ClickHouseHttpError(36, 'BAD_ARGUMENTS', 'multipart/form-data without a boundary', 400);
  }
  const parts = new Map<string, string>();
  const text = body.toString('utf8');
  for (const section of text.split(`--${marker}`).slice(1)) {
    if (section.startsWith('--')) break;
    const headerEnd = section.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const headers = section.slice(0, headerEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) continue;
    if (/filename=/i.test(headers)) {
      throw notImplemented('External tables are not supported locally');
    }
    // Each part ends with the CRLF that precedes the next boundary.
    parts.set(name, section.slice(headerEnd + 4).replace(/\r\n$/, ''));
  }
  return parts;
}

/** MIME types ClickHouse sends per output format family. */
function contentTypeFor(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('json') || f === 'ndjson') return 'application/json; charset=UTF-8';
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csv')) {
    return `text/csv; charset=UTF-8; header=${f.includes('withnames') ? 'present' : 'absent'}`;
  }
  if (f === 'xml') return 'application/xml; charset=UTF-8';
  if (
    /^(native|rowbinary|parquet|arrow|orc|avro|protobuf|msgpack|capnproto|bsoneachrow|npy)/.test(f) ||
    f.startsWith('arrowstream')
  ) {
    return 'application/octet-stream';
  }
  return 'text/plain; charset=UTF-8';
}

/** Rows in a result, for the summary header; exact for line formats and JSON, 0 when unknown. */
function countResultRows(format: string, bytes: Uint8Array): number {
  const f = format.toLowerCase();
  if (bytes.length === 0) return 0;
  if (/eachrow|^tsv|^tabseparated|^csv|^ndjson|^jsonlines/.test(f)) {
    let lines = 0;
    for (const byte of bytes) if (byte === 10) lines++;
    const headerLines = f.includes('withnamesandtypes') ? 2 : f.includes('withnames') ? 1 : 0;
    return Math.max(0, lines - headerLines);
  }
  if (f.startsWith('json')) {
    const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 512))).toString('utf8');
    const match = /"rows":\s*(\d+)/.exec(tail);
    return match?.[1] !== undefined ? Number(match[1]) : 0;
  }
  return 0;
}

function truthy(value: string | null): boolean {
  return value !== null && ['1', 'true'].includes(value.toLowerCase());
}

interface QueryRequest {
  query: string;
  /** The statement without an INSERT's rows from the body: what grants and queues look at. */
  statement: string;
  kind: StatementKind;
  database: string;
  format: string;
  /** Engine settings, applied with SET. */
  settings: [string, string][];
  /** Server-layer settings the bridge acts on itself (settings.ts). */
  bridge: Map<string, string>;
  params: [string, string][];
  readonly: boolean;
}

/**
 * Builds the query, its settings and its parameters from URL, headers and body, with ClickHouse's
 * rule that a URL query comes first and the body is appended after a newline (that is how an
 * INSERT's rows travel in the body).
 */
async function parseQueryRequest(req: IncomingMessage, url: URL): Promise<QueryRequest> {
  if (truthy(url.searchParams.get('decompress')) || truthy(url.searchParams.get('compress'))) {
    throw notImplemented(
      'ClickHouse native compression (compress/decompress=1) is not supported locally; use HTTP compression',
    );
  }
  const params = new Map<string, string>();
  const settings: [string, string][] = [];
  for (const [name, value] of url.searchParams) {
    if (REFUSED_HTTP_PARAMETERS.has(name)) {
      throw notImplemented(`HTTP parameter ${name} is not supported by the local bridge`);
    }
    if (name.startsWith('param_')) {
      params.set(name.slice('param_'.length), value);
    } else if (!HTTP_PARAMETERS.has(name)) {
      settings.push([name, value]);
    }
  }

  const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
  let bodyQuery = '';
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.toLowerCase().startsWith('multipart/form-data')) {
    for (const [name, value] of parseMultipart(body, contentType)) {
      if (name === 'query') bodyQuery = value;
      else if (name.startsWith('param_')) params.set(name.slice('param_'.length), value);
    }
  } else {
    bodyQuery = body.toString('utf8');
  }

  const urlQuery = url.searchParams.get('query') ?? '';
  const query = urlQuery !== '' && bodyQuery !== '' ? `${urlQuery}\n${bodyQuery}` : urlQuery || bodyQuery;
  if (query.trim() === '') throw new ClickHouseHttpError(62, 'SYNTAX_ERROR', 'Empty query', 400);

  const headerDatabase = req.headers['x-clickhouse-database'];
  const database =
    url.searchParams.get('database') ?? (typeof headerDatabase === 'string' ? headerDatabase : 'default');

  const statementText = urlQuery !== '' ? urlQuery : query;
  const statement = describeStatement(statementText);
  if (statement.multipleStatements) {
    // A real server refuses these; accepting them locally would hide a production failure.
    throw new ClickHouseHttpError(62, 'SYNTAX_ERROR', 'Multi-statements are not allowed', 400);
  }
  const headerFormat = req.headers['x-clickhouse-format'];
  const format =
    statement.outputFormat ??
    url.searchParams.get('default_format') ??
    (typeof headerFormat === 'string' ? headerFormat : 'TabSeparated');

  for (const name of settings.map(([n]) => n)) {
    if (!IDENTIFIER.test(name)) {
      throw new ClickHouseHttpError(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`, 404);
    }
  }
  for (const name of params.keys()) {
    if (!PARAMETER_NAME.test(name)) {
      throw new ClickHouseHttpError(
        457,
        'BAD_QUERY_PARAMETER',
        `Invalid query parameter name '${name}'`,
        400,
      );
    }
  }
  const split = splitSettings(settings);
  return {
    query,
    statement: statementText,
    kind: statement.kind,
    database,
    format,
    settings: split.engine,
    bridge: split.bridge,
    params: [...params],
    readonly: req.method === 'GET',
  };
}

interface Summary {
  read_rows: string;
  read_bytes: string;
  written_rows: string;
  written_bytes: string;
  total_rows_to_read: string;
  result_rows: string;
  result_bytes: string;
  elapsed_ns: string;
}

function summarize(request: QueryRequest, result: ChdbResult | undefined, elapsedMs: number): Summary {
  const isInsert = request.kind === 'insert';
  const rows = result?.rowsRead ?? 0;
  const bytes = result?.bytesRead ?? 0;
  const output = result?.bytes() ?? new Uint8Array();
  const elapsed = result !== undefined && result.elapsed > 0 ? result.elapsed * 1e9 : elapsedMs * 1e6;
  return {
    read_rows: String(rows),
    read_bytes: String(bytes),
    // chDB reports rows taken in by an INSERT as rows read; ClickHouse reports them as both.
    written_rows: String(isInsert ? rows : 0),
    written_bytes: String(isInsert ? bytes : 0),
    total_rows_to_read: String(isInsert ? 0 : rows),
    result_rows: String(isInsert ? 0 : countResultRows(request.format, output)),
    result_bytes: String(isInsert ? 0 : output.length),
    elapsed_ns: String(Math.round(elapsed)),
  };
}

/** Runs one query in its own session: current database, settings and parameters apply to it alone. */
async function runQuery(dataDir: string, request: QueryRequest): Promise<ChdbResult> {
  const session = new Session(dataDir);
  try {
    await session.queryAsync(`USE ${quoteIdentifier(request.database)}`);
    const assignments = [
      // HTTP GET is read-only on a real server; settings may still change.
      ...(request.readonly ? [['readonly', '2'] as [string, string]] : []),
      ...request.settings,
      // The engine's own async path writes at once and would misreport the written rows; the
      // bridge's queue (async-inserts.ts) is what async_insert = 1 uses.
      ...(request.kind === 'insert' ? [['async_insert', '0'] as [string, string]] : []),
    ].map(([name, value]) => `${name} = ${stringLiteral(value)}`);
    if (assignments.length > 0) await session.queryAsync(`SET ${assignments.join(', ')}`);
    // SET param_x = '<text>' hands the engine the same text a server reads from `param_x`, parsed by
    // the placeholder's type. The value only ever sits inside a quoted literal, never in the SQL.
    const parameters = request.params.map(([name, value]) => `param_${name} = ${stringLiteral(value)}`);
    if (parameters.length > 0) await session.queryAsync(`SET ${parameters.join(', ')}`);
    return await session.queryAsync(request.query, { format: request.format });
  } finally {
    session.close();
  }
}

/**
 * Stops the statement carrying `marker` (a comment appended to its text). chDB keeps no query id
 * of the client's, so the marker is how the bridge finds it in `system.processes`. The KILL runs
 * synchronously on this thread: the pool's threads may all be busy with the very statements that
 * are to be stopped. `ASYNC` only flags the statement, so this returns at once.
 */
function killMarkedQuery(dataDir: string, marker: string): void {
  const session = new Session(dataDir);
  try {
    session.query(
      `KILL QUERY WHERE query LIKE ${stringLiteral(`%${marker}%`)} AND query_id != queryID() ASYNC`,
    );
  } finally {
    session.close();
  }
}

/** ClickHouse's default `async_insert_busy_timeout_max_ms`: a queued insert waits at most this long. */
const DEFAULT_ASYNC_BUSY_TIMEOUT_MS = 200;
/** ClickHouse's default `wait_for_async_insert_timeout`, seconds. */
const DEFAULT_ASYNC_WAIT_TIMEOUT_S = 120;

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotliCompress = promisify(zlib.brotliCompress);

/** HTTP compression, when the client turned on enable_http_compression and accepts an encoding. */
async function encodeResponse(
  req: IncomingMessage,
  url: URL,
  body: Uint8Array,
  level: number | undefined,
): Promise<{ body: Uint8Array; encoding?: string }> {
  if (!truthy(url.searchParams.get('enable_http_compression')) || body.length === 0) return { body };
  const accepted = (req.headers['accept-encoding'] ?? '').toLowerCase();
  const zlibOptions = level !== undefined ? { level: Math.min(9, Math.max(1, level)) } : {};
  if (accepted.includes('gzip')) return { body: await gzip(body, zlibOptions), encoding: 'gzip' };
  if (accepted.includes('br')) return { body: await brotliCompress(body), encoding: 'br' };
  if (accepted.includes('deflate')) return { body: await deflate(body, zlibOptions), encoding: 'deflate' };
  return { body };
}

export async function startClickHouseServer(opts: ClickHouseServerOptions): Promise<ClickHouseServer> {
  const host = opts.host ?? '127.0.0.1';
  const users = new Map(
    (
      opts.users ?? [{ name: opts.user ?? 'default', password: opts.password ?? '', grants: ['ALL ON *.*'] }]
    ).map((user) => [user.name, { user, check: grantChecker(user) }] as const),
  );
  mkdirSync(opts.dataDir, { recursive: true });
  // Holds the engine on this data directory for the server's lifetime; request sessions join it.
  const engine = new Session(opts.dataDir);
  await engine.queryAsync('CREATE DATABASE IF NOT EXISTS edgebear');
  // The zone the engine really uses (the host's TZ unless a query sets session_timezone).
  const serverTimezone = (await engine.queryAsync('SELECT timezone()', { format: 'TSVRaw' })).text().trim();
  const asyncInserts = new AsyncInsertQueue<ChdbResult | undefined>();

  const inFlight = new Set<Promise<void>>();

  /** Authenticates the request's user, or throws AUTHENTICATION_FAILED as a server does. */
  function authenticate(req: IncomingMessage, url: URL) {
    const credentials = requestCredentials(req, url);
    const known = users.get(credentials.user);
    // The comparison runs for unknown users too, so timing does not reveal which names exist.
    const passwordMatches = sameSecret(credentials.password, known?.user.password ?? randomUUID());
    if (known === undefined || !passwordMatches) {
      // Drain the body so the client sees the 401 rather than a reset connection.
      req.resume();
      throw new ClickHouseHttpError(
        516,
        'AUTHENTICATION_FAILED',
        `${credentials.user}: Authentication failed: password is incorrect, or there is no user with such name`,
        401,
      );
    }
    return known;
  }

  /**
   * An `async_insert = 1` insert: queued, written with the others of its shape after the busy
   * timeout. With `wait_for_async_insert = 1` (the default) the answer waits for that write;
   * with 0 it comes at once, before the rows are readable, and a failure is only logged.
   */
  async function queueInsert(request: QueryRequest, userName: string): Promise<ChdbResult | undefined> {
    const busyMs = numericSetting(
      request.bridge,
      'async_insert_busy_timeout_ms',
      numericSetting(request.bridge, 'async_insert_busy_timeout_max_ms', DEFAULT_ASYNC_BUSY_TIMEOUT_MS),
    );
    const dedupe = request.bridge.get('async_insert_deduplicate');
    const write: QueryRequest = {
      ...request,
      // Written as the synchronous insert a flush performs, de-duplicated as async_insert_deduplicate says.
      settings: [
        ...request.settings,
        ...(dedupe !== undefined ? [['insert_deduplicate', dedupe] as [string, string]] : []),
      ],
    };
    const shape = request.settings.filter(([name]) => name !== 'insert_deduplication_token');
    const key = JSON.stringify([userName, request.database, request.statement, shape]);
    const written = asyncInserts.enqueue(key, busyMs, () => runQuery(opts.dataDir, write));
    const wait = request.bridge.get('wait_for_async_insert');
    if (wait !== undefined && !settingIsOn(wait)) {
      written.catch((error: unknown) => {
        if (opts.log === true)
          console.log(`async insert failed after its answer: ${describeFailure(error).body}`);
      });
      return undefined;
    }
    const timeoutS = numericSetting(
      request.bridge,
      'wait_for_async_insert_timeout',
      DEFAULT_ASYNC_WAIT_TIMEOUT_S,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ClickHouseHttpError(159, 'TIMEOUT_EXCEEDED', 'Wait for async insert timeout exceeded', 500),
          ),
        timeoutS * 1000,
      );
    });
    try {
      return await Promise.race([written, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function handleQuery(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const queryId = url.searchParams.get('query_id') || randomUUID();
    const baseHeaders: Record<string, string> = {
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Server-Display-Name': 'edgebear-local',
      'X-ClickHouse-Timezone': serverTimezone,
    };
    let request: QueryRequest | undefined;
    try {
      const user = authenticate(req, url);
      request = await parseQueryRequest(req, url);
      const sessionTimezone = request.settings.find(([name]) => name === 'session_timezone')?.[1];
      if (sessionTimezone) baseHeaders['X-ClickHouse-Timezone'] = sessionTimezone;
      user.check(requiredGrant(request.statement, request.database, new Map(request.params)));

      let result: ChdbResult | undefined;
      if (request.kind === 'insert' && settingIsOn(request.bridge.get('async_insert'))) {
        result = await queueInsert(request, user.user.name);
      } else if (
        request.kind === 'select' &&
        settingIsOn(request.bridge.get('cancel_http_readonly_queries_on_client_close'))
      ) {
        result = await runCancellable(res, request);
      } else {
        result = await runQuery(opts.dataDir, request);
      }
      const summary = summarize(request, result, performance.now() - started);
      const output = result?.bytes() ?? new Uint8Array();
      const level = request.bridge.has('http_zlib_compression_level')
        ? numericSetting(request.bridge, 'http_zlib_compression_level', 3)
        : undefined;
      const encoded = await encodeResponse(req, url, output, level);
      res.writeHead(200, {
        ...baseHeaders,
        'Content-Type': contentTypeFor(request.format),
        'X-ClickHouse-Format': request.format,
        // The result is complete before anything is sent, so one progress header says it all.
        ...(settingIsOn(request.bridge.get('send_progress_in_http_headers'))
          ? { 'X-ClickHouse-Progress': JSON.stringify(summary) }
          : {}),
        'X-ClickHouse-Summary': JSON.stringify(summary),
        ...(encoded.encoding !== undefined ? { 'Content-Encoding': encoded.encoding } : {}),
        'Content-Length': String(encoded.body.length),
      });
      res.end(encoded.body);
      logLine(req, 200, started, request.query);
    } catch (error) {
      const failure = describeFailure(error);
      const body = Buffer.from(failure.body, 'utf8');
      if (!res.headersSent) {
        res.writeHead(failure.status, {
          ...baseHeaders,
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Exception-Code': String(failure.code),
          'Content-Length': String(body.length),
        });
      }
      res.end(body);
      logLine(req, failure.status, started, request?.query ?? failure.body);
    }
  }

  /**
   * A read-only statement under `cancel_http_readonly_queries_on_client_close = 1`: when the client
   * goes away before the answer, the statement is killed, as a server does, so it stops using a
   * thread (the bridge runs at most libuv's four statements at once).
   */
  async function runCancellable(res: ServerResponse, request: QueryRequest): Promise<ChdbResult> {
    const marker = `edgebear-bridge-query ${randomUUID()}`;
    let done = false;
    const onClose = () => {
      if (done || res.writableEnded) return;
      try {
        killMarkedQuery(opts.dataDir, marker);
      } catch (error) {
        if (opts.log === true) console.log(`could not cancel a query: ${describeFailure(error).body}`);
      }
    };
    res.once('close', onClose);
    try {
      // Appended, not prepended, so positions in the engine's syntax errors stay the client's.
      return await runQuery(opts.dataDir, { ...request, query: `${request.query}\n/* ${marker} */` });
    } finally {
      done = true;
      res.off('close', onClose);
    }
  }

  function logLine(req: IncomingMessage, status: number, started: number, text: string): void {
    if (opts.log !== true) return;
    const ms = (performance.now() - started).toFixed(1);
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 100);
    console.log(`${req.method ?? '?'} ${status} ${ms}ms ${snippet}`);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isProbe =
      url.pathname === '/ping' ||
      url.pathname === '/replicas_status' ||
      (req.method !== 'POST' && url.pathname === '/' && !url.searchParams.has('query'));
    if (isProbe) {
      // Health probes answer without credentials, like a real server.
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': '4' });
      res.end(req.method === 'HEAD' ? undefined : 'Ok.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { Allow: 'GET, POST', 'Content-Length': '0' });
      res.end();
      return;
    }
    const work = handleQuery(req, res, url).finally(() => inFlight.delete(work));
    inFlight.add(work);
  }

  const server: Server = createServer(handle);
  // Big inserts may take a while to upload and run; Node's default request timeout is 5 minutes.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    get pendingAsyncInserts() {
      return asyncInserts.pendingCount;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.allSettled([...inFlight]);
        // Queued async inserts are written before the engine stops, as a server flushes on shutdown.
        await asyncInserts.flushAll();
        server.closeAllConnections();
        await stopped;
        engine.close();
        // The engine must be idle before the process (or a test) opens another data directory.
        await drainPending();
      })();
      return closing;
    },
  };
}
