/** The alert mails as built, before any send: links, one-click unsubscribe, both parts. */
import { describe, expect, it } from 'vitest';
import { dropEmail, spikeEmail, vitalsEmail } from '../../../functions/alerts/emails';

const site = { id: 42, domain: 'shop.example' };
const links = {
  dashboard: 'https://app.example/sites/42?period=day',
  settings: 'https://app.example/sites/42/settings#alerts',
  unsubscribe: 'https://app.example/api/alerts/unsubscribe?token=abc.def',
};

describe('alert mails', () => {
  const mails = [
    spikeEmail('ann@example.com', site, { visitors: 1234, threshold: 100 }, links),
    dropEmail(
      'ann@example.com',
      site,
      {
        day: '2026-06-09',
        visitors: 6,
        median: 20,
        ratio: 0.5,
        reference: ['2026-05-12', '2026-05-19', '2026-05-26', '2026-06-02'].map((day) => ({
          day,
          visitors: 20,
        })),
      },
      links,
    ),
    vitalsEmail(
      'ann@example.com',
      site,
      {
        day: '2026-06-09',
        baselineFrom: '2026-06-02',
        baselineTo: '2026-06-08',
        regressions: [
          {
            metric: 'cls',
            current: { p75: 0.3, band: 'poor', samples: 150 },
            baseline: { p75: 0.05, band: 'good', samples: 900 },
          },
        ],
      },
      links,
    ),
  ];

  it('carry the one-click unsubscribe URL and every link in both parts', () => {
    expect(mails.map((m) => m.kind)).toEqual(['alert_spike', 'alert_drop', 'alert_vitals']);
    for (const mail of mails) {
      expect(mail.unsubscribeUrl).toBe(links.unsubscribe);
      for (const href of Object.values(links)) {
        expect(mail.text).toContain(href);
        expect(mail.html).toContain(href.replace(/&/g, '&amp;'));
      }
      expect(mail.html).not.toContain('<script');
    }
  });

  it('say the figures in the subject', () => {
    expect(mails.map((m) => m.subject)).toEqual([
      'Traffic spike on shop.example: 1,234 current visitors',
      'Traffic drop on shop.example: 6 visitors on Tuesday (usually 20)',
      'Web vitals got worse on shop.example: CLS poor',
    ]);
    expect(mails[2]?.text).toMatch(/CLS\s+0\.30 \(poor\)\s+0\.05 \(good\)/);
  });
});
