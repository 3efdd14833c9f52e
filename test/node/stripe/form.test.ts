/** Stripe's form encoding as the local Stripe decodes it: brackets, arrays, and refusals. */
import { describe, expect, it } from 'vitest';
import { decodeForm, FormError } from '../../../tools/stripe/form';

describe('decodeForm', () => {
  it('nests bracketed keys and turns indexed keys into arrays, as the SDK encodes them', () => {
    const form = decodeForm(
      'mode=subscription&line_items[0][price]=price_x&line_items[0][quantity]=1' +
        '&metadata[billing_profile_id]=bp_1&subscription_data[metadata][billing_profile_id]=bp_1' +
        '&expand[]=customer&expand[]=subscription&success_url=http%3A%2F%2F127.0.0.1%2Fok%3Fa%3D1%26b%3D2',
    );
    expect(form).toEqual({
      mode: 'subscription',
      line_items: [{ price: 'price_x', quantity: '1' }],
      metadata: { billing_profile_id: 'bp_1' },
      subscription_data: { metadata: { billing_profile_id: 'bp_1' } },
      expand: ['customer', 'subscription'],
      success_url: 'http://127.0.0.1/ok?a=1&b=2',
    });
  });

  it('reads percent-encoded brackets the same as plain ones', () => {
    expect(decodeForm('metadata%5Bplan%5D=growth')).toEqual({ metadata: { plan: 'growth' } });
  });

  it('refuses prototype keys, a key given twice, and a value mixed with nested values', () => {
    expect(() => decodeForm('__proto__[x]=1')).toThrow(FormError);
    expect(() => decodeForm('metadata[constructor]=1')).toThrow(FormError);
    expect(() => decodeForm('email=a&email=b')).toThrow(FormError);
    expect(() => decodeForm('metadata=a&metadata[b]=c')).toThrow(FormError);
    expect(() => decodeForm('a[b=1')).toThrow(FormError);
  });
});
