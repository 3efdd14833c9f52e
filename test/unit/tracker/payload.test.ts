import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildPayload } from '../../../tracker/src/payload';

const url = 'https://example.com/pricing';

beforeEach(() => {
  vi.stubGlobal('document', { referrer: 'https://hn.example/' });
  vi.stubGlobal('innerWidth', 1280);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** What goes over the wire. */
const wire = (payload: unknown) => JSON.parse(JSON.stringify(payload));

describe('buildPayload', () => {
  it('sends a pageview as just {n,u,d,r,w}', () => {
    expect(wire(buildPayload('pageview', url, 'example.com', false, {}))).toEqual({
      n: 'pageview',
      u: url,
      d: 'example.com',
      r: 'https://hn.example/',
      w: 1280,
    });
  });

  it('carries props and revenue of a custom event', () => {
    const payload = buildPayload('Signup', url, 'example.com', false, {
      props: { plan: 'pro' },
      revenue: { currency: 'EUR', amount: 9.99 },
    });
    expect(wire(payload)).toMatchObject({
      n: 'Signup',
      p: { plan: 'pro' },
      $: { currency: 'EUR', amount: 9.99 },
    });
  });

  it('marks hash-mode events with h: 1', () => {
    expect(buildPayload('pageview', `${url}#/a`, 'example.com', true, {}).h).toBe(1);
  });

  it('marks events the site flags as non-interactive with i: false', () => {
    expect(buildPayload('Autoplay', url, 'example.com', false, { interactive: false }).i).toBe(false);
  });

  it('adds engagement fields without leaking the callback into the body', () => {
    const payload = buildPayload(
      'engagement',
      url,
      'example.com',
      false,
      { callback: () => {} },
      { i: false, sd: 80, e: 12500 },
    );
    expect(wire(payload)).toEqual({
      n: 'engagement',
      u: url,
      d: 'example.com',
      r: 'https://hn.example/',
      w: 1280,
      i: false,
      sd: 80,
      e: 12500,
    });
  });
});
