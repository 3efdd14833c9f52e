/**
 * Structured JSON logs, one object per line (Workers Logs and `wrangler tail` index the fields).
 * Callers pass counts, codes and ids, never IPs, user agents, emails or tokens.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, ...fields, ts: new Date().toISOString() });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
