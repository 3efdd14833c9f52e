import type { Context } from 'hono';
import { parseUserAgent } from '../../workers/ingest/enrich/user-agent';

/** What a sign-in may remember about the client: coarse and IP-free, except `ip`, used only for rate-limit keys. */
export interface ClientInfo {
  /** Only for rate-limit keys (hashed before use); never stored, logged or emailed. */
  ip: string;
  browser: string;
  os: string;
  /** 'Firefox on macOS', 'Unknown browser' */
  summary: string;
  country: string;
  city: string;
}

export function clientInfo(c: Context): ClientInfo {
  const agent = parseUserAgent(c.req.header('user-agent') ?? '', null);
  const cf = c.req.raw.cf as { country?: unknown; city?: unknown } | undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 100) : '');
  const country = text(cf?.country);
  return {
    ip: c.req.header('cf-connecting-ip') ?? '',
    browser: agent.browser,
    os: agent.os,
    summary: agentSummary(agent.browser, agent.os),
    // 'XX' and 'T1' (Tor) are Cloudflare's "unknown": nothing to show.
    country: country === 'XX' || country === 'T1' ? '' : country,
    city: text(cf?.city),
  };
}

export function agentSummary(browser: string, os: string): string {
  if (browser && os) return `${browser} on ${os}`;
  return browser || os || 'Unknown browser';
}
