import { isPlainObject } from './json-body';
import { PayloadError } from './types';

/** Decimal64(6) holds 18 significant digits: 12 before the point, 6 after. */
const MAX_INTEGER_DIGITS = 12;
const DECIMALS = 6;
const DECIMAL_PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Revenue of a goal: `{ currency, amount }`, as an object or a JSON string holding one.
 * `currency` is an ISO 4217 code (three letters, upper-cased here); `amount` a number or a decimal
 * string. The amount comes back as a plain decimal string rounded half-up to 6 decimals, so it
 * reaches ClickHouse's Decimal64(6) without float rounding. Negative amounts (refunds) are kept.
 * Returns null when absent; throws `invalid_revenue` otherwise.
 */
export function normaliseRevenue(raw: unknown, field: string): { currency: string; amount: string } | null {
  if (raw === undefined || raw === null) return null;
  let source = raw;
  if (typeof source === 'string') {
    try {
      source = JSON.parse(source);
    } catch {
      throw new PayloadError('invalid_revenue', `${field} must be an object or a JSON string holding one`);
    }
  }
  if (!isPlainObject(source)) {
    throw new PayloadError('invalid_revenue', `${field} must be an object with currency and amount`);
  }
  const { currency, amount } = source;
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
    throw new PayloadError('invalid_revenue', `${field}.currency must be a three-letter ISO 4217 code`);
  }
  const decimal = decimalAmount(amount);
  if (decimal === null) {
    throw new PayloadError(
      'invalid_revenue',
      `${field}.amount must be a number or decimal string with at most ${MAX_INTEGER_DIGITS} integer digits`,
    );
  }
  return { currency: currency.toUpperCase(), amount: decimal };
}

/** `amount` as a canonical decimal string, or null when it is not a usable amount. */
function decimalAmount(amount: unknown): string | null {
  let text: string;
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount) || Math.abs(amount) >= 10 ** MAX_INTEGER_DIGITS) return null;
    // Below 1e21 toFixed never uses exponent notation; it also absorbs float noise (0.1 + 0.2).
    text = amount.toFixed(DECIMALS);
  } else if (typeof amount === 'string') {
    text = amount.trim();
  } else {
    return null;
  }
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) return null;
  const sign = match[1] ?? '';
  const integer = match[2] ?? '0';
  const fraction = match[3] ?? '';
  // Scale to millionths in a BigInt so long decimal strings keep every digit they are allowed.
  let scaled = BigInt(integer + fraction.slice(0, DECIMALS).padEnd(DECIMALS, '0'));
  if ((fraction[DECIMALS] ?? '0') >= '5') scaled += 1n;
  const digits = scaled.toString().padStart(DECIMALS + 1, '0');
  const intPart = digits.slice(0, -DECIMALS);
  if (intPart.length > MAX_INTEGER_DIGITS) return null;
  const fracPart = digits.slice(-DECIMALS).replace(/0+$/, '');
  const unsigned = fracPart ? `${intPart}.${fracPart}` : intPart;
  return sign && scaled !== 0n ? `-${unsigned}` : unsigned;
}
