/**
 * Well-known traffic sources: a readable name for referrer hosts and `utm_source` values, and the
 * category the channel rules need (search, social, …). Edgebear's own list, kept compact.
 *
 * Each row is [name, category, hosts, aliases]:
 * - hosts match the referrer host or any parent of it (`old.reddit.com` → `reddit.com`);
 *   `label.*` matches that label under any TLD or country suffix (`google.co.uk`, `amazon.de`);
 *   `android-app` hosts are app package names, which is what Android sends as the referrer.
 * - aliases (comma-separated) are `utm_source` shorthands seen in the wild; the name, lower-cased,
 *   and every host are aliases too. Aliases ending in `ad`/`ads` (and `adwords`) mark paid traffic.
 *   On a clash, names beat hosts beat aliases, and earlier rows beat later ones.
 * To add a source, add a row; nothing else refers to these names except the unit tests.
 */
export type SourceCategory = 'search' | 'social' | 'video' | 'shopping' | 'email' | 'ai' | '';

const SOURCES: ReadonlyArray<readonly [string, SourceCategory, string, string?]> = [
  // Search engines
  [
    'Google',
    'search',
    'google.* com.google.android.googlequicksearchbox',
    'adwords,google_ads,google-ads,googleads',
  ],
  ['Bing', 'search', 'bing.com', 'bing_ads,microsoft_ads'],
  ['DuckDuckGo', 'search', 'duckduckgo.com ddg.gg', 'ddg'],
  ['Yahoo!', 'search', 'yahoo.* search.yahoo.com', 'yahoo'],
  ['Yandex', 'search', 'yandex.* ya.ru', ''],
  ['Baidu', 'search', 'baidu.com', ''],
  ['Ecosia', 'search', 'ecosia.org', ''],
  ['Brave', 'search', 'search.brave.com', 'brave search'],
  ['Startpage', 'search', 'startpage.com', ''],
  ['Qwant', 'search', 'qwant.com', ''],
  ['Naver', 'search', 'naver.com', ''],
  ['Seznam', 'search', 'seznam.cz', ''],
  ['Sogou', 'search', 'sogou.com', ''],
  ['Kagi', 'search', 'kagi.com', ''],
  ['Ask', 'search', 'ask.com', ''],
  ['AOL', 'search', 'search.aol.com', ''],
  ['Mojeek', 'search', 'mojeek.com', ''],
  // AI assistants
  ['ChatGPT', 'ai', 'chatgpt.com chat.openai.com', ''],
  ['Perplexity', 'ai', 'perplexity.ai', ''],
  ['Claude', 'ai', 'claude.ai', ''],
  ['Gemini', 'ai', 'gemini.google.com bard.google.com', 'google gemini'],
  ['Copilot', 'ai', 'copilot.microsoft.com copilot.cloud.microsoft', 'microsoft copilot'],
  ['DeepSeek', 'ai', 'deepseek.com', ''],
  ['Grok', 'ai', 'grok.com', ''],
  ['Phind', 'ai', 'phind.com', ''],
  ['Mistral', 'ai', 'chat.mistral.ai', 'le chat'],
  ['You.com', 'ai', 'you.com', ''],
  // Social networks and communities
  ['Hacker News', 'social', 'news.ycombinator.com', 'hn,hackernews'],
  ['Reddit', 'social', 'reddit.com redd.it com.reddit.frontpage', 'reddit_ads'],
  ['X (Twitter)', 'social', 't.co x.com twitter.com', 'twitter,x,tw,twitter_ads'],
  ['Facebook', 'social', 'facebook.com fb.com fb.me', 'fb,fb_ad,fb_ads,facebook_ad,facebook_ads'],
  ['Instagram', 'social', 'instagram.com', 'ig,ig_ad,ig_ads,instagram_ads'],
  ['LinkedIn', 'social', 'linkedin.com lnkd.in com.linkedin.android', 'li,linkedin_ad,linkedin_ads'],
  ['Pinterest', 'social', 'pinterest.* pin.it', 'pinterest_ads'],
  ['TikTok', 'social', 'tiktok.com', 'tiktok_ad,tiktok_ads'],
  ['Snapchat', 'social', 'snapchat.com', 'snapchat_ads'],
  ['Threads', 'social', 'threads.net threads.com', ''],
  ['Bluesky', 'social', 'bsky.app', 'bsky'],
  ['Mastodon', 'social', 'mastodon.social mastodon.online mstdn.social fosstodon.org hachyderm.io', ''],
  ['Tumblr', 'social', 'tumblr.com', ''],
  ['Quora', 'social', 'quora.com', ''],
  ['VKontakte', 'social', 'vk.com', 'vk'],
  ['Weibo', 'social', 'weibo.com', ''],
  ['GitHub', 'social', 'github.com', ''],
  ['Product Hunt', 'social', 'producthunt.com', 'producthunt'],
  ['Lobsters', 'social', 'lobste.rs', ''],
  ['DEV', 'social', 'dev.to', ''],
  ['Indie Hackers', 'social', 'indiehackers.com', ''],
  ['Medium', 'social', 'medium.com', ''],
  ['Substack', 'social', 'substack.com', ''],
  ['Telegram', 'social', 't.me telegram.org org.telegram.messenger', ''],
  ['WhatsApp', 'social', 'whatsapp.com wa.me', ''],
  ['Messenger', 'social', 'messenger.com', ''],
  ['Slack', 'social', 'slack.com com.slack', ''],
  ['Discord', 'social', 'discord.com discordapp.com', ''],
  ['Microsoft Teams', 'social', 'teams.microsoft.com teams.live.com statics.teams.cdn.office.net', 'teams'],
  ['LINE', 'social', 'line.me', ''],
  ['Steam', 'social', 'steamcommunity.com', ''],
  // Video
  ['YouTube', 'video', 'youtube.com youtu.be', 'yt,yt_ad,yt-ads,youtube_ads'],
  ['Vimeo', 'video', 'vimeo.com', ''],
  ['Twitch', 'video', 'twitch.tv', ''],
  ['Dailymotion', 'video', 'dailymotion.com', ''],
  // Shopping
  ['Amazon', 'shopping', 'amazon.*', ''],
  ['eBay', 'shopping', 'ebay.*', ''],
  ['Etsy', 'shopping', 'etsy.com', ''],
  ['AliExpress', 'shopping', 'aliexpress.com', ''],
  ['Temu', 'shopping', 'temu.com', ''],
  ['Walmart', 'shopping', 'walmart.com', ''],
  // Webmail
  ['Gmail', 'email', 'mail.google.com com.google.android.gm', ''],
  ['Outlook.com', 'email', 'outlook.live.com outlook.office.com outlook.office365.com', 'outlook'],
  ['Yahoo! Mail', 'email', 'mail.yahoo.com', 'yahoo mail'],
  ['Proton Mail', 'email', 'mail.proton.me', 'protonmail'],
  ['AOL Mail', 'email', 'mail.aol.com', ''],
  ['Yandex Mail', 'email', 'mail.yandex.ru mail.yandex.com', ''],
  ['GMX', 'email', 'gmx.net gmx.de gmx.com', ''],
  ['Fastmail', 'email', 'fastmail.com', ''],
  // Uncategorised: readable names, but plain referrals as far as channels go
  ['Wikipedia', '', 'wikipedia.org', ''],
  ['Stack Overflow', '', 'stackoverflow.com', ''],
  ['Stack Exchange', '', 'stackexchange.com', ''],
];

export interface KnownSource {
  name: string;
  category: SourceCategory;
}

const byHost = new Map<string, KnownSource>();
const byWildcardLabel = new Map<string, KnownSource>();
const byAlias = new Map<string, KnownSource>();
const paidAliases = new Set<string>();

// Three passes so that names beat hosts beat aliases when a string means two things.
for (const [name, category] of SOURCES) {
  addAlias(name.toLowerCase(), { name, category });
}
for (const [name, category, hosts] of SOURCES) {
  const source = byAlias.get(name.toLowerCase()) ?? { name, category };
  for (const host of hosts.split(' ')) {
    if (host.endsWith('.*')) {
      byWildcardLabel.set(host.slice(0, -2), source);
    } else {
      byHost.set(host, source);
      addAlias(host, source);
    }
  }
}
for (const [name, category, , aliases = ''] of SOURCES) {
  const source = byAlias.get(name.toLowerCase()) ?? { name, category };
  for (const alias of aliases.split(',')) {
    if (alias === '') continue;
    addAlias(alias, source);
    if (/ads?$/.test(alias) || alias === 'adwords') paidAliases.add(alias);
  }
}

function addAlias(alias: string, source: KnownSource): void {
  if (!byAlias.has(alias)) byAlias.set(alias, source);
}

// `google.de`, `google.co.uk`, `google.com.br`: the label before a TLD or a country suffix.
const WILDCARD_HOST = /(?:^|\.)([a-z0-9-]+)\.(?:(?:com?|org|net|ac|gov|ne|or)\.)?[a-z]{2,3}$/;

/** The known source for a referrer host (lower-case, without `www.`), or null. */
export function sourceForHost(host: string): KnownSource | null {
  // Most specific first: `mail.google.com` (Gmail) before `google.*` (Google).
  for (let dot = -1; ; ) {
    const found = byHost.get(dot === -1 ? host : host.slice(dot + 1));
    if (found) return found;
    dot = host.indexOf('.', dot + 1);
    if (dot === -1) break;
  }
  const label = WILDCARD_HOST.exec(host)?.[1];
  return (label && byWildcardLabel.get(label)) || null;
}

/** The known source a `utm_source` value (or a source name) stands for, case-insensitively, or null. */
export function sourceForTag(tag: string): KnownSource | null {
  return byAlias.get(tag.toLowerCase()) ?? null;
}

/** The category of a stored source name ('' when unknown or uncategorised). */
export function categoryOf(source: string): SourceCategory {
  return byAlias.get(source.toLowerCase())?.category ?? '';
}

/** Whether a `utm_source` value is one of the ad-network shorthands that mark paid traffic. */
export function isPaidSourceTag(tag: string): boolean {
  return paidAliases.has(tag.toLowerCase());
}
