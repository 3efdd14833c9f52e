import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  matchTotp,
  otpauthUri,
  totpCode,
  totpStep,
} from '../../../functions/auth/totp';

// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890", 8 digits.
const RFC_SEED = new TextEncoder().encode('12345678901234567890');
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP', () => {
  it.each(RFC_VECTORS)('matches the RFC 6238 SHA-1 test vector at T=%i', async (time, expected) => {
    expect(await totpCode(RFC_SEED, time, { digits: 8 })).toBe(expected);
  });

  it('gives the last 6 digits of the same value with the default 6 digits', async () => {
    // Truncation is mod 10^digits, so the 6-digit code is the 8-digit code's tail.
    expect(await totpCode(RFC_SEED, 59)).toBe('287082');
  });

  it('round-trips base32 (RFC 4648 test strings)', () => {
    expect(base32Encode(new TextEncoder().encode('foobar'))).toBe('MZXW6YTBOI');
    expect(new TextDecoder().decode(base32Decode('MZXW6YTBOI======'))).toBe('foobar');
    expect(new TextDecoder().decode(base32Decode('mzxw 6ytb oi'))).toBe('foobar');
    expect(() => base32Decode('MZXW1')).toThrow();
  });

  it('makes 160-bit secrets of 32 base32 characters', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });

  it('accepts the current code and one step either side, not two', async () => {
    const secret = base32Encode(RFC_SEED);
    const now = 1_700_000_000;
    const at = (offset: number) => totpCode(RFC_SEED, now + offset * 30);
    expect(await matchTotp(secret, await at(0), now)).toBe(totpStep(now));
    expect(await matchTotp(secret, await at(-1), now)).toBe(totpStep(now) - 1);
    expect(await matchTotp(secret, await at(1), now)).toBe(totpStep(now) + 1);
    expect(await matchTotp(secret, await at(-2), now)).toBeNull();
    expect(await matchTotp(secret, await at(2), now)).toBeNull();
  });

  it('refuses a step already used, so a code cannot be replayed', async () => {
    const secret = base32Encode(RFC_SEED);
    const now = 1_700_000_000;
    const code = await totpCode(RFC_SEED, now);
    expect(await matchTotp(secret, code, now, { notAfterStep: totpStep(now) })).toBeNull();
    expect(await matchTotp(secret, code, now, { notAfterStep: totpStep(now) - 1 })).toBe(totpStep(now));
  });

  it('refuses malformed codes', async () => {
    const secret = base32Encode(RFC_SEED);
    expect(await matchTotp(secret, '12345', 59)).toBeNull();
    expect(await matchTotp(secret, 'abcdef', 59)).toBeNull();
    expect(await matchTotp(secret, '2870821', 59)).toBeNull();
    expect(await matchTotp(secret, '287 082', 59)).toBe(1);
  });

  it('builds the otpauth URI authenticator apps scan', () => {
    const uri = otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'ana@example.com', issuer: 'Edgebear' });
    expect(uri).toBe(
      'otpauth://totp/Edgebear:ana%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Edgebear&algorithm=SHA1&digits=6&period=30',
    );
  });
});
