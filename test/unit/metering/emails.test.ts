import { describe, expect, it } from 'vitest';
import { capacityDepletedEmail, quotaWarningEmail } from '../../../functions/billing/emails';

const facts = {
  planName: 'Free',
  events: 8_123,
  limit: 10_000,
  periodEnd: Date.UTC(2031, 5, 1) / 1000,
  graceDays: 7,
};

describe('quota mails', () => {
  it('the warning says how much is used, when the period ends, and links to the usage page', () => {
    const mail = quotaWarningEmail('a@example.com', 'https://app.example', facts);
    expect(mail.kind).toBe('quota_warning');
    expect(mail.subject).toBe('You have used 81 % of your Edgebear events this period');
    expect(mail.text).toContain('8,123 of the 10,000 events your Free plan includes');
    expect(mail.text).toContain('2031-06-01 00:00 UTC');
    expect(mail.text).toContain('https://app.example/billing');
    expect(mail.html).toContain('href="https://app.example/billing"');
  });

  it('"capacity depleted" gives the grace end and the upgrade link', () => {
    const graceEndsAt = Date.UTC(2031, 4, 20, 9, 30) / 1000;
    const mail = capacityDepletedEmail('a@example.com', 'https://app.example', {
      ...facts,
      events: 10_400,
      graceEndsAt,
    });
    expect(mail.kind).toBe('quota_depleted');
    expect(mail.text).toContain('until 2031-05-20 09:30 UTC (7 days of grace)');
    expect(mail.text).toContain('Upgrade your plan: https://app.example/billing');
    expect(mail.secrets ?? []).toEqual([]);
  });
});
