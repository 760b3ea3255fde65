// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource).
// We keep integers in the units the scheduler compares: CPU in millicores,
// everything else in base units (bytes for memory), rounding up as the
// scheduler's MilliValue()/Value() do.
//
// Anything a pod author writes reaches this parser (annotations, requests),
// so it is a hand-written scanner: one pass, no regular expression that can
// backtrack, a bounded length, and exact arithmetic (bigint) instead of
// floats, so that no input yields NaN, Infinity or a float rounding error.
// Grammar (quantity.go):
//   <quantity> ::= <signedNumber><suffix>
//   <number>   ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei | n | u | m | "" | k | M | G | T | P | E
//                 | e<signedInt> | E<signedInt>

const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Longer strings are refused before any work: no real quantity comes close. */
export const MAX_QUANTITY_LENGTH = 64;
/**
 * The largest amount (in scheduler units) Gangplank accounts for: 2^53 − 1,
 * exact in a JavaScript number (9 PiB of memory, 9 × 10^12 cores). The
 * scheduler's own int64 arithmetic overflows not far above; a pod asking
 * for more fits no node, and its request is refused rather than wrapped.
 */
export const MAX_UNITS = Number.MAX_SAFE_INTEGER;

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** A quantity exactly: (−1)^negative × digits × 10^pow10 × 2^pow2. */
export interface ExactQuantity {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly pow10: number;
  readonly pow2: number;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parse a quantity exactly; throws QuantityError on anything the grammar does not allow. */
export function parseExactQuantity(input: string): ExactQuantity {
  const text = input.trim();
  if (text.length === 0) throw new QuantityError('empty quantity');
  if (text.length > MAX_QUANTITY_LENGTH) throw new QuantityError(`quantity longer than ${MAX_QUANTITY_LENGTH} characters`);
  let i = 0;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  const intStart = i;
  while (isDigit(text[i])) i++;
  const intDigits = text.slice(intStart, i);
  let fracDigits = '';
  if (text[i] === '.') {
    i++;
    const fracStart = i;
    while (isDigit(text[i])) i++;
    fracDigits = text.slice(fracStart, i);
  }
  if (intDigits === '' && fracDigits === '') throw new QuantityError(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
  const suffix = text.slice(i);
  let pow10 = -fracDigits.length;
  let pow2 = 0;
  if (suffix in BINARY) pow2 = BINARY[suffix] as number;
  else if (suffix in DECIMAL) pow10 += DECIMAL[suffix] as number;
  else if (suffix[0] === 'e' || suffix[0] === 'E') {
    let j = 1;
    let expNegative = false;
    if (suffix[j] === '+' || suffix[j] === '-') {
      expNegative = suffix[j] === '-';
      j++;
    }
    const expDigits = suffix.slice(j);
    if (expDigits === '' || ![...expDigits].every(isDigit)) throw new QuantityError(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
    // Bounded by the length check: at most ~60 digits, but Number() of them is exact enough to compare.
    const exp = Number(expDigits);
    pow10 += expNegative ? -exp : exp;
  } else {
    throw new QuantityError(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
  }
  return { negative, digits: BigInt(intDigits + fracDigits), pow10, pow2 };
}

/** Number of decimal digits of a positive bigint. */
const digitCount = (n: bigint): number => n.toString().length;

/**
 * The integer amount the scheduler compares, rounded up: millicores for cpu,
 * base units otherwise. Negative amounts and amounts above MAX_UNITS are
 * refused with a QuantityError naming them.
 */
export function toSchedulerUnits(resource: string, q: string | number): number {
  if (typeof q === 'number' && !Number.isFinite(q)) throw new QuantityError(`not a finite quantity: ${q}`);
  const e = parseExactQuantity(typeof q === 'number' ? String(q) : q);
  if (e.digits === 0n) return 0;
  if (e.negative) throw new QuantityError(`${resource}: negative quantity ${JSON.stringify(String(q))}`);
  const pow10 = e.pow10 + (resource === 'cpu' ? 3 : 0);
  const tooLarge = (): QuantityError => new QuantityError(`${resource}: quantity ${JSON.stringify(String(q))} is larger than ${MAX_UNITS} units`);
  // Decide the extremes without building huge numbers: 2^pow2 < 10^(pow2/3.32).
  if (digitCount(e.digits) + pow10 + Math.ceil(e.pow2 * Math.LOG10E * Math.LN2) > 17) throw tooLarge();
  // A positive amount far below one unit still takes one, as MilliValue() rounds up.
  if (digitCount(e.digits) + pow10 < -30) return 1;
  let num = e.digits << BigInt(e.pow2);
  let den = 1n;
  if (pow10 >= 0) num *= 10n ** BigInt(pow10);
  else den = 10n ** BigInt(-pow10);
  const units = (num + den - 1n) / den;
  if (units > BigInt(MAX_UNITS)) throw tooLarge();
  return Number(units);
}

/** True when `q` is a quantity Gangplank accounts for (see toSchedulerUnits). */
export function isValidQuantity(resource: string, q: string | number): boolean {
  try {
    toSchedulerUnits(resource, q);
    return true;
  } catch (err) {
    if (err instanceof QuantityError) return false;
    throw err;
  }
}

/** Back to a canonical quantity string: "1500m", "2432Mi", "3". */
export function formatQuantity(resource: string, units: number): string {
  if (resource === 'cpu') return units % 1000 === 0 ? String(units / 1000) : `${units}m`;
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const f = 2 ** (BINARY[suffix] as number);
    if (units >= f && units % f === 0) return `${units / f}${suffix}`;
  }
  return String(units);
}
