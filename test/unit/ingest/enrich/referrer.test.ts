import { describe, expect, it } from 'vitest';
import { classifyReferrer } from '../../../../workers/ingest/enrich/referrer';
import { cleanPage } from '../../../../workers/ingest/enrich/url';

/** Classifies a visit the way the pipeline does: clean the landing URL, then classify the referrer. */
function visit(landingUrl: string, referrer = '') {
  const page = cleanPage(landingUrl, false);
  return classifyReferrer(referrer, page.hostname, page.utm, page.clickIdParam);
}

describe('classifyReferrer', () => {
  describe('referrer', () => {
    it('is stored as host and path, without scheme, www, query, fragment or trailing slash', () => {
      expect(visit('https://example.com/', 'https://www.Blog.example.org/posts/1/?ref=x#top').referrer).toBe(
        'blog.example.org/posts/1',
      );
      expect(visit('https://example.com/', 'https://news.ycombinator.com/').referrer).toBe(
        'news.ycombinator.com',
      );
    });

    it('is dropped for internal navigation, even across www', () => {
      expect(visit('https://example.com/b', 'https://www.example.com/a')).toEqual({
        referrer: '',
        source: '',
        channel: 'Direct',
      });
    });

    it('is dropped when it is localhost or not an http(s) URL', () => {
      expect(visit('https://example.com/', 'http://localhost:3000/').referrer).toBe('');
      expect(visit('https://example.com/', 'not a url').referrer).toBe('');
      expect(visit('https://example.com/', 'file:///home/me/page.html').referrer).toBe('');
    });

    it('keeps Android app referrers readable', () => {
      expect(visit('https://example.com/', 'android-app://com.google.android.gm/')).toEqual({
        referrer: 'android-app://com.google.android.gm',
        source: 'Gmail',
        channel: 'Email',
      });
    });
  });

  describe('source and channel', () => {
    it.each([
      // [landing URL, referrer, source, channel]
      ['https://example.com/', '', '', 'Direct'],
      ['https://example.com/', 'https://news.ycombinator.com/item?id=1', 'Hacker News', 'Organic Social'],
      ['https://example.com/', 'https://www.google.co.uk/', 'Google', 'Organic Search'],
      ['https://example.com/', 'https://www.google.com.br/', 'Google', 'Organic Search'],
      ['https://example.com/', 'https://www.bing.com/', 'Bing', 'Organic Search'],
      ['https://example.com/', 'https://duckduckgo.com/', 'DuckDuckGo', 'Organic Search'],
      ['https://example.com/', 'https://yandex.ru/', 'Yandex', 'Organic Search'],
      ['https://example.com/', 'https://search.brave.com/', 'Brave', 'Organic Search'],
      ['https://example.com/', 'https://old.reddit.com/r/programming', 'Reddit', 'Organic Social'],
      ['https://example.com/', 'https://out.reddit.com/', 'Reddit', 'Organic Social'],
      ['https://example.com/', 'https://t.co/abc', 'X (Twitter)', 'Organic Social'],
      ['https://example.com/', 'https://lm.facebook.com/', 'Facebook', 'Organic Social'],
      ['https://example.com/', 'https://lnkd.in/xyz', 'LinkedIn', 'Organic Social'],
      ['https://example.com/', 'https://github.com/owner/repo', 'GitHub', 'Organic Social'],
      ['https://example.com/', 'https://m.youtube.com/', 'YouTube', 'Organic Video'],
      ['https://example.com/', 'https://www.amazon.de/', 'Amazon', 'Organic Shopping'],
      ['https://example.com/', 'https://mail.google.com/', 'Gmail', 'Email'],
      ['https://example.com/', 'https://chatgpt.com/', 'ChatGPT', 'AI Assistants'],
      ['https://example.com/', 'https://www.perplexity.ai/', 'Perplexity', 'AI Assistants'],
      ['https://example.com/', 'https://gemini.google.com/', 'Gemini', 'AI Assistants'],
      ['https://example.com/', 'https://en.wikipedia.org/wiki/X', 'Wikipedia', 'Referral'],
      ['https://example.com/', 'https://blog.example.org/post', 'blog.example.org', 'Referral'],
      // Tags in the landing URL
      ['https://example.com/?utm_source=google&utm_medium=cpc', '', 'Google', 'Paid Search'],
      ['https://example.com/?utm_source=bing&utm_medium=ppc', '', 'Bing', 'Paid Search'],
      ['https://example.com/?utm_source=adwords', '', 'Google', 'Paid Search'],
      ['https://example.com/?utm_source=facebook&utm_medium=paid_social', '', 'Facebook', 'Paid Social'],
      ['https://example.com/?utm_source=fb_ad', '', 'Facebook', 'Paid Social'],
      ['https://example.com/?utm_source=youtube&utm_medium=cpv', '', 'YouTube', 'Paid Video'],
      ['https://example.com/?utm_source=amazon&utm_medium=cpc', '', 'Amazon', 'Paid Shopping'],
      [
        'https://example.com/?utm_source=partner&utm_campaign=summer_shop&utm_medium=cpc',
        '',
        'partner',
        'Paid Shopping',
      ],
      [
        'https://example.com/?utm_source=partner&utm_campaign=summer-shopping',
        '',
        'partner',
        'Organic Shopping',
      ],
      ['https://example.com/?utm_source=partner&utm_campaign=workshop', '', 'partner', 'Referral'],
      [
        'https://example.com/?utm_source=network&utm_campaign=cross-network-q3',
        '',
        'network',
        'Cross-network',
      ],
      ['https://example.com/?utm_source=adnet&utm_medium=banner', '', 'adnet', 'Display'],
      ['https://example.com/?utm_source=adnet&utm_medium=cpc', '', 'adnet', 'Paid Other'],
      ['https://example.com/?utm_source=ig', '', 'Instagram', 'Organic Social'],
      ['https://example.com/?utm_source=mastodon&utm_medium=social', '', 'Mastodon', 'Organic Social'],
      ['https://example.com/?utm_source=someblog&utm_medium=social', '', 'someblog', 'Organic Social'],
      ['https://example.com/?utm_source=newsletter', '', 'newsletter', 'Email'],
      ['https://example.com/?utm_source=weekly&utm_medium=email', '', 'weekly', 'Email'],
      ['https://example.com/?utm_source=acme&utm_medium=affiliate', '', 'acme', 'Affiliates'],
      ['https://example.com/?utm_source=podcast&utm_medium=audio', '', 'podcast', 'Audio'],
      ['https://example.com/?utm_source=sms', '', 'sms', 'SMS'],
      ['https://example.com/?utm_source=firebase', '', 'firebase', 'Mobile Push Notifications'],
      ['https://example.com/?utm_source=app&utm_medium=web-push', '', 'app', 'Mobile Push Notifications'],
      ['https://example.com/?utm_medium=referral', '', '', 'Referral'],
      ['https://example.com/?ref=producthunt', '', 'Product Hunt', 'Organic Social'],
      ['https://example.com/?utm_source=news.ycombinator.com', '', 'Hacker News', 'Organic Social'],
      // Click ids
      ['https://example.com/?gclid=abc', 'https://www.google.com/', 'Google', 'Paid Search'],
      ['https://example.com/?gclid=abc', '', 'Google', 'Paid Search'],
      ['https://example.com/?msclkid=abc', 'https://www.bing.com/', 'Bing', 'Paid Search'],
      ['https://example.com/?ttclid=abc', '', 'TikTok', 'Paid Social'],
      ['https://example.com/?li_fat_id=abc', 'https://www.linkedin.com/', 'LinkedIn', 'Paid Social'],
      ['https://example.com/?fbclid=abc', 'https://l.facebook.com/', 'Facebook', 'Organic Social'],
      ['https://example.com/?fbclid=abc', '', '', 'Direct'],
      ['https://example.com/?gclid=abc', 'https://duckduckgo.com/', 'DuckDuckGo', 'Organic Search'],
    ])('%s from %j → %j, %s', (landing, referrer, source, channel) => {
      const result = visit(landing, referrer);
      expect(result.source).toBe(source);
      expect(result.channel).toBe(channel);
    });

    it('prefers a utm_source tag over the referrer, as Plausible does', () => {
      expect(visit('https://example.com/?utm_source=newsletter', 'https://www.google.com/')).toEqual({
        referrer: 'google.com',
        source: 'newsletter',
        channel: 'Email',
      });
    });

    it('matches known sources in tags case-insensitively and keeps unknown tags as sent', () => {
      expect(visit('https://example.com/?utm_source=GOOGLE').source).toBe('Google');
      expect(visit('https://example.com/?utm_source=MyPartner').source).toBe('MyPartner');
    });

    it('does not mistake look-alike hosts for known sources', () => {
      expect(visit('https://example.com/', 'https://notgoogle.com/').source).toBe('notgoogle.com');
      expect(visit('https://example.com/', 'https://google.evil.com/').source).toBe('google.evil.com');
    });

    it('keeps a tagged source on internal navigation', () => {
      expect(visit('https://example.com/?utm_source=twitter', 'https://example.com/a')).toEqual({
        referrer: '',
        source: 'X (Twitter)',
        channel: 'Organic Social',
      });
    });
  });
});
