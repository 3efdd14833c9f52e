import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  PBKDF2_ITERATIONS,
  passwordProblem,
  verifyAgainstDummy,
  verifyPassword,
} from '../../../functions/auth/password';

describe('password hashing', () => {
  it('uses PBKDF2 with 100,000 iterations (the Workers maximum) and a 128-bit random salt', async () => {
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    const stored = await hashPassword('correct horse battery staple');
    expect(stored.iterations).toBe(100_000);
    expect(stored.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(stored.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(stored.hash).not.toContain('correct');
  });

  it('verifies the right password and rejects others', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts per hash: the same password hashes differently twice', async () => {
    const a = await hashPassword('same password here');
    const b = await hashPassword('same password here');
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
  });

  it('matches a known PBKDF2-HMAC-SHA256 value', async () => {
    // Independent check with a fixed salt ("salt") at 1 iteration: RFC 7914 §11 lists
    // PBKDF2-HMAC-SHA256("passwd", "salt", 1) = 55ac046e56e3089f…
    const ok = await verifyPassword('passwd', {
      salt: 'c2FsdA',
      iterations: 1,
      hash: Buffer.from('55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc', 'hex').toString(
        'base64url',
      ),
    });
    expect(ok).toBe(true);
  });

  it('spends the work of a real check on unknown accounts and says no', async () => {
    expect(await verifyAgainstDummy('anything at all')).toBe(false);
  });

  it('asks for at least 10 characters that are not the email address', () => {
    expect(passwordProblem('short', 'ana@example.com')).toMatch(/at least 10/);
    expect(passwordProblem('ana@example.com', 'ana@example.com')).toMatch(/not your email/);
    expect(passwordProblem('ANA@example.com ', 'ana@example.com')).toMatch(/not your email/);
    expect(passwordProblem('x'.repeat(257), 'ana@example.com')).toMatch(/at most/);
    expect(passwordProblem('a fine passphrase', 'ana@example.com')).toBeNull();
  });
});
