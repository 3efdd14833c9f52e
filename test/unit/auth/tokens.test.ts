import { describe, expect, it } from 'vitest';
import { generateRecoveryCodes, hashRecoveryCode } from '../../../functions/auth/recovery-codes';
import { open, seal, totpKeyMaterial } from '../../../functions/auth/secret-box';
import {
  base64url,
  csrfTokenFor,
  fromBase64url,
  hashToken,
  randomToken,
  timingSafeEqual,
} from '../../../functions/auth/tokens';

describe('tokens', () => {
  it('are 256-bit base64url strings, different every time', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fromBase64url(a)).toHaveLength(32);
    expect(randomToken()).not.toBe(a);
  });

  it('round-trip base64url', () => {
    const bytes = Uint8Array.from([0, 250, 251, 252, 253, 254, 255, 62, 63]);
    expect(fromBase64url(base64url(bytes))).toEqual(bytes);
    expect(() => fromBase64url('not/base64')).toThrow();
  });

  it('are stored as SHA-256 hex', async () => {
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    expect(await hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('derive a CSRF token from the session id that is stable, distinct and not the id', async () => {
    const id = randomToken();
    const csrf = await csrfTokenFor(id);
    expect(csrf).toBe(await csrfTokenFor(id));
    expect(csrf).not.toBe(id);
    expect(csrf).not.toBe(await hashToken(id));
    expect(await csrfTokenFor(randomToken())).not.toBe(csrf);
  });

  it('compare in constant time', () => {
    expect(timingSafeEqual('abc', 'abc')).toBe(true);
    expect(timingSafeEqual('abc', 'abd')).toBe(false);
    expect(timingSafeEqual('abc', 'abcd')).toBe(false);
    expect(timingSafeEqual('', '')).toBe(true);
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes like xxxxx-xxxxx without look-alike characters', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-km-np-z2-9]{5}-[a-km-np-z2-9]{5}$/);
  });

  it('hash the same however they are typed back', async () => {
    const [code = ''] = generateRecoveryCodes(1);
    const hash = await hashRecoveryCode(code);
    expect(await hashRecoveryCode(` ${code.toUpperCase().replace('-', ' ')} `)).toBe(hash);
    expect(hash).not.toContain(code.replace('-', ''));
  });
});

describe('sealed TOTP secrets', () => {
  it('round-trip with the right key and context only', async () => {
    const box = await seal('JBSWY3DPEHPK3PXP', 'key one', 'totp:1');
    expect(box).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.startsWith('v1.')).toBe(true);
    expect(await open(box, 'key one', 'totp:1')).toBe('JBSWY3DPEHPK3PXP');
    await expect(open(box, 'key two', 'totp:1')).rejects.toThrow();
    await expect(open(box, 'key one', 'totp:2')).rejects.toThrow();
  });

  it('need a configured key in production; development uses a fixed one', () => {
    expect(totpKeyMaterial({ ENVIRONMENT: 'production' })).toBeNull();
    expect(totpKeyMaterial({ ENVIRONMENT: 'production', TOTP_ENCRYPTION_KEY: 'k' })).toBe('k');
    expect(totpKeyMaterial({ ENVIRONMENT: 'development' })).toBeTruthy();
  });
});
