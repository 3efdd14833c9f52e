/**
 * A CPU profile of a `wrangler dev` Worker over some load, through its inspector (the Chrome
 * DevTools protocol over WebSocket: Profiler.enable / setSamplingInterval / start / stop), reduced
 * to the functions with the most self time. Function names survive wrangler's bundle (esbuild
 * does not minify in dev), and each bundled module starts with a `// path/to/file.ts` comment,
 * which names the source file of a function from its line in the bundle.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; scriptId: string };
  hitCount?: number;
  /** Samples by source line (1-based) of the function, when V8 recorded them. */
  positionTicks?: { line: number; ticks: number }[];
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
}

export interface ProfileEntry {
  /** Function name, or `(anonymous)`, `(garbage collector)`, `(program)`. */
  name: string;
  /** Source file from the bundle's module comments, or the script's URL. */
  file: string;
  /** Share of the non-idle samples spent in this function itself, 0..1. */
  selfShare: number;
}

export interface ProfileSummary {
  samples: number;
  /** Non-idle samples. */
  busySamples: number;
  intervalUs: number;
  top: ProfileEntry[];
  /** Self time summed per source file, 0..1 of the non-idle samples, largest first. */
  files: { file: string; selfShare: number }[];
  /** Every file's self time, largest first (for sums by area). */
  allFiles: { file: string; selfShare: number }[];
  /**
   * The bundle's lines with the most self time (V8's position ticks), with their text: which
   * statement of a function costs, where a function's self time includes what V8 inlined into it.
   */
  lines: { file: string; fn: string; text: string; selfShare: number }[];
}

/** A minimal DevTools protocol client: numbered requests, answered by id. */
class Inspector {
  private next = 1;
  private readonly waiting = new Map<number, (result: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
      if (message.id === undefined) return;
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      resolve?.(message.error ? { error: message.error } : message.result);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
      webSocketDebuggerUrl?: string;
      title?: string;
    }[];
    const target = targets.find((t) => t.webSocketDebuggerUrl);
    if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on port ${port}`);
    // wrangler's inspector proxy refuses an upgrade without an Origin header; Node's WebSocket
    // (undici) takes extra headers in its second argument, which the DOM typing does not know.
    const init = { headers: { origin: `http://127.0.0.1:${port}` } } as unknown as string[];
    const socket = new WebSocket(target.webSocketDebuggerUrl, init);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error('inspector connection failed')), {
        once: true,
      });
    });
    return new Inspector(socket);
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    this.socket.send(JSON.stringify({ id, method, params }));
    return new Promise<T>((resolve) => this.waiting.set(id, resolve as (result: unknown) => void));
  }

  close(): void {
    this.socket.close();
  }
}

/** Line → source file, from the `// workers/...ts` comments esbuild writes before each module. */
function moduleMap(source: string): (line: number) => string {
  const starts: { line: number; file: string }[] = [];
  source.split('\n').forEach((text, line) => {
    const m = /^\/\/ ((?:\.\.\/)*[\w@./-]+\.[cm]?[jt]sx?)$/.exec(text);
    if (m?.[1]) starts.push({ line, file: m[1].replace(/^(\.\.\/)+/, '').replace(/^node_modules\//, '') });
  });
  return (line) => {
    let file = '(bundle)';
    for (const s of starts) {
      if (s.line > line) break;
      file = s.file;
    }
    return file;
  };
}

/** Runs `load` with the Worker's profiler on, then returns where its CPU went. */
export async function profileDuring(
  inspectorPort: number,
  load: () => Promise<void>,
  intervalUs = 200,
): Promise<ProfileSummary> {
  const inspector = await Inspector.connect(inspectorPort);
  try {
    await inspector.send('Profiler.enable');
    await inspector.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await inspector.send('Profiler.start');
    await load();
    const { profile } = await inspector.send<{ profile: Profile }>('Profiler.stop');
    // The bundle's source, fetched only now so the debugger costs the load nothing.
    const sources = new Map<string, string>();
    await inspector.send('Debugger.enable');
    for (const node of profile.nodes) {
      const id = node.callFrame.scriptId;
      if (!node.callFrame.url || sources.has(id)) continue;
      const answer = await inspector.send<{ scriptSource?: string }>('Debugger.getScriptSource', {
        scriptId: id,
      });
      sources.set(id, answer.scriptSource ?? '');
    }
    await inspector.send('Debugger.disable');
    return summarise(profile, intervalUs, sources);
  } finally {
    inspector.close();
  }
}

export function summarise(
  profile: Profile,
  intervalUs: number,
  sources: ReadonlyMap<string, string> = new Map(),
): ProfileSummary {
  const hits = new Map<number, number>();
  if (profile.samples) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const maps = new Map<string, (line: number) => string>();
  const byFunction = new Map<string, { name: string; file: string; samples: number }>();
  const byFile = new Map<string, number>();
  const byLine = new Map<string, { file: string; fn: string; text: string; samples: number }>();
  const sourceLines = new Map<string, string[]>();
  let samples = 0;
  let busy = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? node.hitCount ?? 0;
    if (count === 0) continue;
    samples += count;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += count;
    const source = sources.get(node.callFrame.scriptId);
    if (source && !maps.has(node.callFrame.scriptId)) maps.set(node.callFrame.scriptId, moduleMap(source));
    const file = url ? (maps.get(node.callFrame.scriptId)?.(lineNumber) ?? url) : '(native)';
    const name = functionName || '(anonymous)';
    const key = `${name}\0${file}`;
    const entry = byFunction.get(key) ?? { name, file, samples: 0 };
    entry.samples += count;
    byFunction.set(key, entry);
    byFile.set(file, (byFile.get(file) ?? 0) + count);
    if (source && node.positionTicks) {
      let lines = sourceLines.get(node.callFrame.scriptId);
      if (!lines) {
        lines = source.split('\n');
        sourceLines.set(node.callFrame.scriptId, lines);
      }
      for (const tick of node.positionTicks) {
        const lineKey = `${node.callFrame.scriptId}:${tick.line}`;
        const line = byLine.get(lineKey) ?? {
          file: maps.get(node.callFrame.scriptId)?.(tick.line - 1) ?? file,
          fn: name,
          text: (lines[tick.line - 1] ?? '').trim().slice(0, 120),
          samples: 0,
        };
        line.samples += tick.ticks;
        byLine.set(lineKey, line);
      }
    }
  }
  const share = (n: number): number => n / Math.max(1, busy);
  return {
    samples,
    busySamples: busy,
    intervalUs,
    top: [...byFunction.values()]
      .sort((a, b) => b.samples - a.samples)
      .slice(0, 15)
      .map((e) => ({ name: e.name, file: e.file, selfShare: share(e.samples) })),
    files: [...byFile.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([file, n]) => ({ file, selfShare: share(n) })),
    allFiles: [...byFile.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([file, n]) => ({ file, selfShare: share(n) })),
    lines: [...byLine.values()]
      .sort((a, b) => b.samples - a.samples)
      .slice(0, 30)
      .map((l) => ({ file: l.file, fn: l.fn, text: l.text, selfShare: share(l.samples) })),
  };
}

/**
 * Where a profiled file belongs: the event's own path (request to queue), the queue consumer's
 * side (batches, visit ids from the VisitTracker Durable Object, ClickHouse inserts), the runtime's
 * native code, or the dev server's own wrapping.
 */
export function profileArea(file: string): 'event path' | 'consumer' | 'native' | 'other' {
  if (file === '(native)') return 'native';
  if (/^workers\/(consumer|visits|clickhouse)\/|@clickhouse\//.test(file)) return 'consumer';
  if (/^workers\//.test(file)) return 'event path';
  return 'other';
}
