import { describe, expect, it } from 'vitest';
import { parseRateRule } from '../../../workers/limits/rule';

describe('parseRateRule', () => {
  it('reads "<limit>/<seconds>"', () => {
    expect(parseRateRule('300/60')).toEqual({ limit: 300, periodSeconds: 60 });
    expect(parseRateRule(' 10000 / 60 ')).toEqual({ limit: 10000, periodSeconds: 60 });
    expect(parseRateRule('5/1')).toEqual({ limit: 5, periodSeconds: 1 });
  });

  it.each([
    '',
    '300',
    '300/',
    '/60',
    '300/60s',
    '300:60',
    '-1/60',
    '1.5/60',
    '0/60',
    '300/0',
    '300/86401',
    '99999999999999999999/60',
  ])('rejects %j with a message that shows the expected form', (text) => {
    expect(() => parseRateRule(text)).toThrow(/Invalid rate rule .*(<limit>\/<seconds>|whole number)/);
  });
});
