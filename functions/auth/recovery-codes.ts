import { hashToken } from './tokens';

/** How many recovery codes a user gets when enabling 2FA (all replaced when 2FA is re-enabled). */
export const RECOVERY_CODE_COUNT = 10;

// No 0/1/l/o: codes get copied by hand from paper.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/**
 * Ten fresh codes like `k7wq3-hx9mt` (50 bits each). They are shown once; only `hashRecoveryCode`
 * of each is stored, and each works once.
 */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = crypto.getRandomValues(new Uint8Array(10));
    const chars = [...bytes].map((byte) => ALPHABET[byte & 31]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Lower-case, without spaces or dashes: how people type a code back does not matter. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** SHA-256 of the normalised code. */
export function hashRecoveryCode(code: string): Promise<string> {
  return hashToken(`recovery:${normalizeRecoveryCode(code)}`);
}
