import { CapacityCache } from '../billing/capacity';
import { isMetered } from '../billing/count';
import type { Config } from '../config';
import type { Env } from '../env';
import type { EventRecord } from '../events/record';
import { ipKey, LeasedLimiter } from '../limits/lease';
import { count } from '../observability/counters';
import { log } from '../observability/log';
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
import { bearerAuthorization, forwardedVisitorIp, keyRefusal, ServerKeys } from './server-side';
import { SiteCache } from './site-cache';
import { VISIT_ID_PLACEHOLDER, visitorId } from './visitor';

export interface IngestRequest {
  body: string;
  format: 'edgebear' | 'umami';
  /**
   * CF-Connecting-IP: the caller. Keys the per-IP limit, and is the visitor's IP for the hash
   * unless a key-authenticated server forwards another in X-Forwarded-For. Never stored.
   */
  ip: string;
  /** User-Agent: the visitor's browser (a server-side sender passes its visitor's). Never stored. */
  userAgent: string;
  /** The request's headers: Authorization and X-Forwarded-For (server-side events), DNT, Sec-GPC. */
  headers: Headers;
  cf: IncomingRequestCfProperties | undefined;
  nowMs: number;
}

export type IngestOutcome =
  | { status: 202; dropped: string | null }
  | { status: 400 | 401 | 403 | 503; code: string; message: string }
  | { status: 429; retryAfterSeconds: number; limit: 'ip' | 'site' };

/** Who the visitor is for the hash, the bot check and geo. */
interface Visitor {
  ip: string;
  userAgent: string;
  /** The Cloudflare request properties when they describe the visitor; undefined when a server forwarded one. */
  cf: IncomingRequestCfProperties | undefined;
}

/**
 * The edge pipeline for one event: parse → drop bots → per-IP limit → API key (server-side
 * events only) → site → hostname / path / spam / DNT drops → plan capacity (over_quota) →
 * per-site limit → visitor id and enrichment → group commit to the Queue. One instance per
 * isolate holds the caches, the limiter leases and the open group.
 *
 * The per-IP limit comes before the site lookup, so made-up domains cost a sender its budget
 * like any event and reach D1 at most as often as the limit admits. Browser beacons carry no
 * Authorization header and so never touch the key cache.
 */
export class IngestPipeline {
  readonly sites: SiteCache;
  readonly salts: SaltCache;
  readonly ipLimiter: LeasedLimiter;
  readonly siteLimiter: LeasedLimiter;
  readonly commit: GroupCommit;
  readonly keys: ServerKeys;
  readonly capacity: CapacityCache;
  private readonly ipKeySecret: string | null;

  constructor(env: Env, config: Config) {
    this.ipKeySecret = config.ipKeySecret;
    if (this.ipKeySecret === null) {
      log('error', 'IP_KEY_SECRET is not set: ingest refuses every event (limits keyed by IP fail closed)', {
        environment: config.environment,
      });
    }
    this.sites = new SiteCache(env.DB, config.siteCacheSeconds);
    this.keys = new ServerKeys(env.DB);
    this.salts = new SaltCache(env.DB);
    this.capacity = new CapacityCache(env.DB, {
      ttlSeconds: config.capacityCacheSeconds,
      graceDays: config.quotaGraceDays,
    });
    // Counted by the limiter, once per call: concurrent checks share calls.
    const onDoCall = (outcome: 'sent' | 'failed') =>
      count(outcome === 'sent' ? 'limiter_do_calls_total' : 'limiter_failures_total');
    this.ipLimiter = new LeasedLimiter(env.RATE_LIMITER, config.perIp, {
      prefix: 'ip',
      failOpen: true,
      onDoCall,
    });
    this.siteLimiter = new LeasedLimiter(env.RATE_LIMITER, config.perSite, {
      prefix: 'site',
      failOpen: true,
      onDoCall,
    });
    this.commit = new GroupCommit({
      windowMs: config.groupCommitMs,
      // JSON, as the group commit sizes it (UTF-8 bytes); also the runtime's default.
      send: (message) => env.EVENTS_QUEUE.send(message, { contentType: 'json' }),
      onSent: (_events, bytes) => {
        count('queue_messages_sent_total');
        count('queue_message_bytes_total', bytes);
      },
    });
  }

  async handle(request: IngestRequest): Promise<IngestOutcome> {
    count('events_received_total');
    if (this.ipKeySecret === null) {
      return refused(503, 'unavailable', 'ingest is not configured (IP_KEY_SECRET); retry later');
    }
    let event: ParsedEvent;
    let visitor: Visitor;
    const authorization = bearerAuthorization(request.headers);
    try {
      event = request.format === 'umami' ? parseUmamiPayload(request.body) : parseEventPayload(request.body);
      // Only a key-holder may name another visitor; everyone else is the visitor they connect as.
      const forwarded = authorization === null ? null : forwardedVisitorIp(request.headers);
      visitor = forwarded
        ? { ip: forwarded, userAgent: request.userAgent, cf: undefined }
        : { ip: request.ip, userAgent: request.userAgent, cf: request.cf };
    } catch (error) {
      // Umami's `identify` calls have nothing to store here (no per-visitor profiles): drop, do not fail.
      if (error instanceof PayloadError && error.code === 'unsupported') return dropped('unsupported');
      if (error instanceof PayloadError) return refused(400, error.code, error.message);
      throw error;
    }

    // A server-side sender with a wrong key hears so before it hears "bot", or it might never learn.
    const bot = botReason(visitor.userAgent, request.headers, visitor.cf);
    if (bot && authorization === null) return dropped(bot);

    // Before anything that reads D1: the caller's budget bounds made-up domains and keys too.
    const ipAllowed = await this.ipLimiter.check(await ipKey(request.ip, this.ipKeySecret));
    if (!ipAllowed.allowed) return limited('ip', ipAllowed.retryAfterSeconds);

    const key = authorization === null ? null : await this.keys.verify(authorization);
    if (authorization !== null && key === null) {
      return refused(401, 'unauthorized', 'invalid or revoked API key');
    }
    if (bot) return dropped(bot);

    const site = await this.sites.lookup(event.siteKey || event.domain);
    if (key) {
      const refusal = keyRefusal(key, site);
      if (refusal) return refused(403, 'forbidden', refusal);
    }
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

    // Past its grace period a billing profile's events are refused, quietly (202), and counted.
    // Before the per-site limit, so refused events spend no limiter budget.
    const lookups = this.capacity.queries;
    const hasCapacity = await this.capacity.hasEnoughCapacity(site, request.nowMs);
    count('capacity_lookups_total', this.capacity.queries - lookups);
    if (!hasCapacity) {
      if (isMetered(event.kind)) this.capacity.countRefused(site);
      return dropped('over_quota');
    }

    const siteAllowed = await this.siteLimiter.check(String(site.id));
    if (!siteAllowed.allowed) return limited('site', siteAllowed.retryAfterSeconds);

    const timestamp = Math.floor(request.nowMs / 1000);
    const visitorHash = await visitorId(
      await this.salts.keyFor(request.nowMs),
      site.id,
      visitor.ip,
      visitor.userAgent,
    );
    const agent = parseUserAgent(visitor.userAgent, event.screenWidth);
    // Cloudflare locates the connection; for a forwarded visitor that is the sender's server,
    // so such events carry no location rather than a wrong one.
    const geo = geoFromCf(visitor.cf);
    const perf = event.performance;
    const record: EventRecord = {
      site_id: site.id,
      timestamp,
      kind: event.kind,
      name: event.name,
      visitor_id: visitorHash.toString(),
      // The queue consumer assigns the visit id by the 30-minute rule (docs/visits.md).
      session_id: VISIT_ID_PLACEHOLDER,
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

/** An event refused with an error (bad payload, bad key, misconfiguration): nothing is stored. */
function refused(status: 400 | 401 | 403 | 503, code: string, message: string): IngestOutcome {
  count('events_invalid_total', 1, { code });
  return { status, code, message };
}

function dropped(reason: string): IngestOutcome {
  count('events_dropped_total', 1, { reason });
  return { status: 202, dropped: reason };
}

function limited(limit: 'ip' | 'site', retryAfterSeconds: number): IngestOutcome {
  count('events_rate_limited_total', 1, { limit });
  return { status: 429, retryAfterSeconds, limit };
}
