import { categoryOf, isPaidSourceTag } from './sources';
import type { Utm } from './url';

/**
 * Acquisition channels. The names and the rules follow Plausible's channel definitions (which
 * adapt GA4's default channel groups), so switchers see the same grouping.
 */
export type Channel =
  | 'Cross-network'
  | 'Paid Shopping'
  | 'Paid Search'
  | 'Paid Social'
  | 'Paid Video'
  | 'Display'
  | 'Paid Other'
  | 'Organic Shopping'
  | 'Organic Social'
  | 'Organic Video'
  | 'AI Assistants'
  | 'Organic Search'
  | 'Email'
  | 'Affiliates'
  | 'Audio'
  | 'SMS'
  | 'Mobile Push Notifications'
  | 'Referral'
  | 'Direct';

const DISPLAY_MEDIUMS = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm']);
const SOCIAL_MEDIUMS = new Set([
  'social',
  'social-network',
  'social-media',
  'sm',
  'social network',
  'social media',
]);
const REFERRAL_MEDIUMS = new Set(['referral', 'app', 'link']);
const EMAIL_WORDS = /e[-_ ]?mail|newsletter/;

/** `cpc`, `ppc`, `cpm`, `paid-social`, `retargeting`: the medium says someone paid for the click. */
function isPaidMedium(medium: string): boolean {
  return medium.includes('cp') || medium === 'ppc' || medium === 'retargeting' || medium.startsWith('paid');
}

/** `shop`/`shopping` as a word-ish part of the campaign name (`summer_shop`, `eshop`), not `workshop`. */
function isShoppingCampaign(campaign: string): boolean {
  return /(?:^|[^a-df-z])shop|shopping/.test(campaign);
}

/**
 * The channel of a visit from its resolved source, its UTM tags and the name of its ad click id
 * parameter. Rules are checked in order and the first match wins, so a paid rule always beats the
 * organic one for the same network. Everything is compared lower-cased.
 */
export function channelFor(source: string, utm: Utm, clickIdParam: string): Channel {
  const category = categoryOf(source);
  const medium = utm.medium.toLowerCase();
  const campaign = utm.campaign.toLowerCase();
  const tag = utm.source.toLowerCase();
  const paid = isPaidMedium(medium) || isPaidSourceTag(tag);
  const shopping = category === 'shopping' || isShoppingCampaign(campaign);

  if (campaign.includes('cross-network')) return 'Cross-network';
  if (shopping && isPaidMedium(medium)) return 'Paid Shopping';
  const adClick = adNetworkOf(clickIdParam) === source && source !== '';
  if (category === 'search' && (paid || adClick)) return 'Paid Search';
  if (category === 'social' && (paid || adClick)) return 'Paid Social';
  if (category === 'video' && paid) return 'Paid Video';
  if (DISPLAY_MEDIUMS.has(medium)) return 'Display';
  if (isPaidMedium(medium)) return 'Paid Other';
  if (shopping) return 'Organic Shopping';
  if (category === 'social' || SOCIAL_MEDIUMS.has(medium)) return 'Organic Social';
  if (category === 'video' || medium.includes('video')) return 'Organic Video';
  if (category === 'ai') return 'AI Assistants';
  if (category === 'search') return 'Organic Search';
  if (category === 'email' || EMAIL_WORDS.test(tag) || EMAIL_WORDS.test(medium)) return 'Email';
  if (medium === 'affiliate') return 'Affiliates';
  if (medium === 'audio') return 'Audio';
  if (tag === 'sms' || medium === 'sms') return 'SMS';
  if (
    medium.endsWith('push') ||
    medium.includes('mobile') ||
    medium.includes('notification') ||
    tag === 'firebase'
  ) {
    return 'Mobile Push Notifications';
  }
  if (REFERRAL_MEDIUMS.has(medium) || source !== '') return 'Referral';
  return 'Direct';
}

/**
 * Click ids that only ads carry, and whose ads they are: Google's on a Google visit means an
 * auto-tagged search ad, and so on. `fbclid` is not one: Meta appends it to every outbound link,
 * organic posts included, so a Facebook visit with `fbclid` stays Organic Social.
 */
const AD_CLICK_NETWORKS: ReadonlyMap<string, string> = new Map([
  ['gclid', 'Google'],
  ['gbraid', 'Google'],
  ['wbraid', 'Google'],
  ['msclkid', 'Bing'],
  ['ttclid', 'TikTok'],
  ['twclid', 'X (Twitter)'],
  ['li_fat_id', 'LinkedIn'],
]);

/** The source name of the ad network whose ads carry this click id parameter, or ''. */
export function adNetworkOf(clickIdParam: string): string {
  return AD_CLICK_NETWORKS.get(clickIdParam) ?? '';
}
