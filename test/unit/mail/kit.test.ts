import { describe, expect, it } from 'vitest';
import { dayInWords, renderHtml, renderText } from '../../../functions/mail/kit';

describe('dayInWords', () => {
  it('spells days the same in every runtime', () => {
    expect(dayInWords('2024-09-26', 'long')).toBe('Thursday, 26 September 2024');
    expect(dayInWords('2024-09-26', 'short')).toBe('Thu, 26 Sep 2024');
    expect(dayInWords('2024-09-26', 'day-month')).toBe('26 Sep');
    expect(dayInWords('2024-09-01', 'month')).toBe('September 2024');
    expect(dayInWords('2026-12-03', 'weekday')).toBe('Thursday');
  });
});

describe('mail documents', () => {
  const doc = {
    preheader: 'Preview <text>',
    title: 'Report for <b>x</b>',
    blocks: [
      {
        kind: 'kpis' as const,
        items: [{ label: 'Visitors', value: '1,204', change: { text: '+4 %', tone: 'good' as const } }],
      },
      {
        kind: 'table' as const,
        title: 'Top pages',
        columns: ['Page', 'Visitors'],
        rows: [
          [
            {
              text: '/a-very-long-path/that/goes/on/and/on/beyond/forty-eight/characters',
              href: 'https://x.example/?a=1&b=2',
            },
            '12',
          ],
        ],
      },
      { kind: 'table' as const, title: 'Empty', columns: ['A', 'B'], rows: [], empty: 'No data.' },
      { kind: 'button' as const, href: 'https://x.example/sites/1', label: 'Open' },
    ],
    footer: { text: 'Why you get this.', links: [{ href: 'https://x.example/u?t=1', label: 'Unsubscribe' }] },
  };

  it('renders HTML with escaped text, no scripts, and a 600 px column', () => {
    const html = renderHtml(doc);
    expect(html).toContain('Report for &lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('Preview &lt;text&gt;');
    expect(html).toContain('href="https://x.example/?a=1&amp;b=2"');
    expect(html).toContain('max-width:600px');
    expect(html).not.toMatch(/<script|<img|<link/i);
    expect(html).toContain('No data.');
  });

  it('renders the same content as text, long labels whole', () => {
    const text = renderText(doc);
    expect(text).toContain('Visitors: 1,204 (+4 %)');
    expect(text).toContain('/a-very-long-path/that/goes/on/and/on/beyond/forty-eight/characters');
    expect(text).toContain('Open: https://x.example/sites/1');
    expect(text).toContain('Unsubscribe: https://x.example/u?t=1');
    expect(text).toContain('No data.');
  });
});
