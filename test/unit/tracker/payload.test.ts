import { describe, expect, it } from 'vitest';
import { buildPayload } from '../../../tracker/src/payload';

const url = 'https://example.com/pricing';

describe('buildPayload', () => {
  it('sends a pageview as just {n,u,d,r,w}', () => {
    const body = JSON.stringify(
      buildPayload('pageview', url, 'example.com', 'https://hn.example/', 1280, false, {}),
    );
    expect(JSON.parse(body)).toEqual({
      n: 'pageview',
      u: url,
      d: 'example.com',
      r: 'https://hn.example/',
      w: 1280,
    });
  });

  it('carries props and revenue of a custom event', () => {
    const payload = buildPayload('Signup', url, 'example.com', '', 390, false, {
      props: { plan: 'pro' },
      revenue: { currency: 'EUR', amount: 9.99 },
    });
    expect(JSON.parse(JSON.stringify(payload))).toMatchObject({
      n: 'Signup',
      p: { plan: 'pro' },
      $: { currency: 'EUR', amount: 9.99 },
    });
  });

  it('marks hash-mode events with h: 1', () => {
    expect(buildPayload('pageview', `${url}#/a`, 'example.com', '', 1280, true, {}).h).toBe(1);
  });

  it('marks events the site flags as non-interactive with i: false', () => {
    expect(buildPayload('Autoplay', url, 'example.com', '', 1280, false, { interactive: false }).i).toBe(
      false,
    );
  });

  it('adds engagement fields without leaking the callback into the body', () => {
    const payload = buildPayload(
      'engagement',
      url,
      'example.com',
      '',
      1280,
      false,
      { callback: () => {} },
      {
        i: false,
        sd: 80,
        e: 12500,
      },
    );
    expect(JSON.parse(JSON.stringify(payload))).toEqual({
      n: 'engagement',
      u: url,
      d: 'example.com',
      r: '',
      w: 1280,
      i: false,
      sd: 80,
      e: 12500,
    });
  });
});
