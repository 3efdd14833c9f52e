import { describe, expect, it } from 'vitest';
import { ipKey } from '../../../workers/limits/ip-key';

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
});
