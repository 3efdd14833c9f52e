import type { Config } from '../config';
import type { Env } from '../env';
import type { EventRecord } from '../events/record';
import { ipKey, LeasedLimiter } from '../limits/lease';
import { count } from '../observability/counters';
import { botReason } from './drop/bots';
import { isPathExcluded } from './drop/excluded-path';
import { isHostnameAllowed } from './drop/hostname';
import { isReferrerSpam } from './drop/spam';
import { geoFromCf } from './enrich/geo';
import { classifyReferrer } from './enrich/referrer';
import { cleanPage } from './enrich/url';
import { parseUserAgent } from './enrich/user-agent';
import { GroupCommit } from './group-commit';
import { parseEventPayload, parseUmamiPayload } from './payload/parse';
import { type ParsedEvent, PayloadError } from './payload/types';
import { SaltCache } from './salts';
import { SiteCache } from './site-cache';
import { sessionId, visitorId } from './visitor';

export interface IngestRequest {
  body: string;
  format: 'edgebear' | 'umami';
  /** CF-Connecting-IP. Used for the visitor hash and the per-IP limit, never stored. */
  ip: string;
  userAgent: string;
  headers: Headers;
  cf: IncomingRequestCfProperties | undefined;
  nowMs: number;
}

export type IngestOutcome =
  | { status: 202; dropped: string | null }
  | { status: 400; code: string; message: string }
  | { status: 429; retryAfterSeconds: number; limit: 'ip' | 'site' };

/**
 * The edge pipeline for one event: parse → drop bots → site → hostname / spam / DNT drops →
 * rate limits → visitor id and enrichment → group commit to the Queue. One instance per isolate
 * holds the caches, the limiter leases and the open group.
 */
export class IngestPipeline {
  readonly sites: SiteCache;
  readonly salts: SaltCache;
  readonly ipLimiter: LeasedLimiter;
  readonly siteLimiter: LeasedLimiter;
  readonly commit: GroupCommit;
  private readonly ipKeySecret: string | undefined;

  constructor(env: Env, config: Config) {
    this.ipKeySecret = env.IP_KEY_SECRET;
    this.sites = new SiteCache(env.DB, config.siteCacheSeconds);
    this.salts = new SaltCache(env.DB);
    this.ipLimiter = new LeasedLimiter(env.RATE_LIMITER, config.perIp, { prefix: 'ip', failOpen: true });
    this.siteLimiter = new LeasedLimiter(env.RATE_LIMITER, config.perSite, {
      prefix: 'site',
      failOpen: true,
    });
    this.commit = new GroupCommit({
      windowMs: config.groupCommitMs,
      send: (message) => env.EVENTS_QUEUE.send(message),
      onSent: (_events, bytes) => {
        count('queue_messages_sent_total');
        count('queue_message_bytes_total', bytes);
      },
    });
  }

  async handle(request: IngestRequest): Promise<IngestOutcome> {
    count('events_received_total');
    let event: ParsedEvent;
    try {
      event = request.format === 'umami' ? parseUmamiPayload(request.body) : parseEventPayload(request.body);
    } catch (error) {
      // Umami's `identify` calls have nothing to store here (no per-visitor profiles): drop, do not fail.
      if (error instanceof PayloadError && error.code === 'unsupported') return dropped('unsupported');
      if (error instanceof PayloadError) {
        count('events_invalid_total', 1, { code: error.code });
        return { status: 400, code: error.code, message: error.message };
      }
      throw error;
    }

    const bot = botReason(request.userAgent, request.headers, request.cf);
    if (bot) return dropped(bot);

    const site = await this.sites.lookup(event.siteKey || event.domain);
    if (!site) return dropped('unknown_site');

    const page = cleanPage(event.url, event.hashMode);
    if (!isHostnameAllowed(page.hostname, site.domain, site.allowedHostnames))
      return dropped('hostname_not_allowed');
    if (isPathExcluded(page.pathname, site.excludedPaths)) return dropped('excluded_path');
    const referrer = classifyReferrer(event.referrer, page.hostname, page.utm, page.clickIdParam);
    if (referrer.referrer && isReferrerSpam(referrer.referrer.split('/')[0] ?? ''))
      return dropped('referrer_spam');
    if (site.respectDnt && (request.headers.get('dnt') === '1' || request.headers.get('sec-gpc') === '1')) {
      return dropped('do_not_track');
    }

    const calls = this.ipLimiter.stats.doCalls + this.siteLimiter.stats.doCalls;
    const errors = this.ipLimiter.stats.doErrors + this.siteLimiter.stats.doErrors;
    const ipAllowed = await this.ipLimiter.check(await ipKey(request.ip, this.ipKeySecret));
    const siteAllowed = ipAllowed.allowed ? await this.siteLimiter.check(String(site.id)) : ipAllowed;
    count('limiter_do_calls_total', this.ipLimiter.stats.doCalls + this.siteLimiter.stats.doCalls - calls);
    count('limiter_failures_total', this.ipLimiter.stats.doErrors + this.siteLimiter.stats.doErrors - errors);
    if (!ipAllowed.allowed) return limited('ip', ipAllowed.retryAfterSeconds);
    if (!siteAllowed.allowed) return limited('site', siteAllowed.retryAfterSeconds);

    const timestamp = Math.floor(request.nowMs / 1000);
    const visitor = await visitorId(
      await this.salts.keyFor(request.nowMs),
      site.id,
      request.ip,
      request.userAgent,
    );
    const agent = parseUserAgent(request.userAgent, event.screenWidth);
    const geo = geoFromCf(request.cf);
    const perf = event.performance;
    const record: EventRecord = {
      site_id: site.id,
      timestamp,
      kind: event.kind,
      name: event.name,
      visitor_id: visitor.toString(),
      session_id: sessionId(visitor, timestamp).toString(),
      hostname: page.hostname,
      pathname: page.pathname,
      referrer: referrer.referrer,
      referrer_source: referrer.source,
      channel: referrer.channel,
      utm_source: page.utm.source,
      utm_medium: page.utm.medium,
      utm_campaign: page.utm.campaign,
      utm_content: page.utm.content,
      utm_term: page.utm.term,
      click_id_param: page.clickIdParam,
      country: geo.country,
      region: geo.region,
      city: geo.city,
      device: agent.device,
      browser: agent.browser,
      browser_version: agent.browser_version,
      os: agent.os,
      os_version: agent.os_version,
      props: event.props,
      revenue_amount: event.revenue?.amount ?? '0',
      revenue_currency: event.revenue?.currency ?? '',
      interactive: event.interactive ? 1 : 0,
      scroll_depth: event.scrollDepth,
      engaged_ms: event.engagedMs,
      lcp_ms: perf.lcp_ms ?? null,
      inp_ms: perf.inp_ms ?? null,
      cls: perf.cls ?? null,
      fcp_ms: perf.fcp_ms ?? null,
      ttfb_ms: perf.ttfb_ms ?? null,
      dns_ms: perf.dns_ms ?? null,
      connect_ms: perf.connect_ms ?? null,
      dom_interactive_ms: perf.dom_interactive_ms ?? null,
      load_ms: perf.load_ms ?? null,
    };
    await this.commit.add(record);
    count('events_accepted_total');
    return { status: 202, dropped: null };
  }
}

function dropped(reason: string): IngestOutcome {
  count('events_dropped_total', 1, { reason });
  return { status: 202, dropped: reason };
}

function limited(limit: 'ip' | 'site', retryAfterSeconds: number): IngestOutcome {
  count('events_rate_limited_total', 1, { limit });
  return { status: 429, retryAfterSeconds, limit };
}
