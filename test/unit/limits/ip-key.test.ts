import { describe, expect, it } from 'vitest';
import { ipKey, limiterAddress } from '../../../workers/limits/ip-key';

describe('ipKey', () => {
  it('is a 32-hex-char hash, not the address', async () => {
    const key = await ipKey('203.0.113.7');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('is stable, and ignores case and surrounding spaces', async () => {
    expect(await ipKey('2001:DB8::1 ')).toBe(await ipKey('2001:db8::1'));
  });

  it('differs per salt, so keys cannot be recomputed without the secret', async () => {
    const plain = await ipKey('203.0.113.7');
    const salted = await ipKey('203.0.113.7', 'secret-a');
    expect(salted).not.toBe(plain);
    expect(await ipKey('203.0.113.7', 'secret-b')).not.toBe(salted);
    expect(await ipKey('203.0.113.7', 'secret-a')).toBe(salted);
  });

  it('gives every address of one IPv6 /64 the same key, and other /64s other keys', async () => {
    const key = await ipKey('2001:db8::1', 'secret');
    expect(await ipKey('2001:db8:0:0:ffff::2', 'secret')).toBe(key);
    expect(await ipKey('2001:0db8:0000:0000:1234:5678:9abc:def0', 'secret')).toBe(key);
    expect(await ipKey('2001:db8:0:1::1', 'secret')).not.toBe(key);
  });

  it('keys an IPv4-mapped IPv6 address as its IPv4 address', async () => {
    expect(await ipKey('::ffff:203.0.113.7', 'secret')).toBe(await ipKey('203.0.113.7', 'secret'));
    expect(await ipKey('::ffff:cb00:7107', 'secret')).toBe(await ipKey('203.0.113.7', 'secret'));
  });

  it('keeps IPv4 addresses apart, one key per address', async () => {
    expect(await ipKey('203.0.113.7', 'secret')).not.toBe(await ipKey('203.0.113.8', 'secret'));
  });
});

describe('limiterAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['2001:db8::1', '2001:db8::/64'],
    ['2001:DB8:0:0:FFFF::2', '2001:db8::/64'],
    ['2001:db8:0:1::1', '2001:db8:0:1::/64'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', '2001:db8:aaaa:bbbb::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
    ['[2001:db8::1]', '2001:db8::/64'],
    ['::1', '::/64'],
    ['::', '::/64'],
    ['::ffff:198.51.100.1', '198.51.100.1'],
    ['::ffff:c633:6401', '198.51.100.1'],
    ['64:ff9b::198.51.100.1', '64:ff9b::/64'],
  ])('%s → %s', (input, expected) => {
    expect(limiterAddress(input)).toBe(expected);
  });

  it('keeps what is not an address as it is (lower-cased), so it still gets a key of its own', () => {
    expect(limiterAddress('')).toBe('');
    expect(limiterAddress('not-an-ip')).toBe('not-an-ip');
    expect(limiterAddress('2001:db8::1::2')).toBe('2001:db8::1::2');
    expect(limiterAddress('1:2:3:4:5:6:7:8:9')).toBe('1:2:3:4:5:6:7:8:9');
  });
});
