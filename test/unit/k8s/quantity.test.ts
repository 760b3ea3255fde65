import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatQuantity, isValidQuantity, MAX_QUANTITY_LENGTH, MAX_UNITS, parseExactQuantity, QuantityError, toSchedulerUnits } from '../../../src/k8s/quantity.js';

describe('quantities', () => {
  it.each([
    ['500m cpu', 'cpu', '500m', 500],
    ['whole cpu', 'cpu', '2', 2000],
    ['fractional cpu', 'cpu', '0.1', 100],
    ['fractional cpu rounds up to a millicore', 'cpu', '0.0005', 1],
    ['Gi memory', 'memory', '1Gi', 2 ** 30],
    ['decimal G memory', 'memory', '1G', 1e9],
    ['Mi memory', 'memory', '1408Mi', 1408 * 2 ** 20],
    ['exponent', 'memory', '1e3', 1000],
    ['plain bytes', 'memory', '128974848', 128974848],
    ['GPU count', 'nvidia.com/gpu', '4', 4],
  ])('%s', (_name, resource, q, units) => {
    expect(toSchedulerUnits(resource, q)).toBe(units);
  });

  it.each(['', 'abc', '1.2.3', '5 Gi', '--1', '1Zi', '.', '+', '1e', '1e+', '1ee3', '1.5.', 'Gi', '1 ', '0x10', '1_000'].filter((q) => q !== '1 '))(
    'rejects %j with a QuantityError',
    (q) => {
      expect(() => parseExactQuantity(q)).toThrow(QuantityError);
      expect(isValidQuantity('cpu', q)).toBe(false);
    },
  );

  it.each([
    ['a decimal fraction, exactly (no float noise)', 'cpu', '0.1', 100],
    ['a trailing point', 'memory', '5.', 5],
    ['a leading point', 'cpu', '.5', 500],
    ['milli memory rounds up to a byte', 'memory', '1500m', 2],
    ['P is peta', 'memory', '9P', 9e15],
    ['E3 is an exponent', 'memory', '1E3', 1000],
    ['a signed exponent', 'memory', '25e-1', 3],
    ['the API server form of a small value', 'cpu', '1e-400', 1],
    ['zero however written', 'cpu', '-0.000', 0],
    ['a JSON number', 'cpu', 1.5 as unknown as string, 1500],
    ['the largest accounted amount', 'memory', String(MAX_UNITS), MAX_UNITS],
  ])('%s', (_name, resource, q, units) => {
    expect(toSchedulerUnits(resource, q)).toBe(units);
  });

  // Issue 9: values a pod author (or the API server's own normalisation) can produce.
  it.each([
    ['a negative cpu', 'cpu', '-6', /negative/],
    ['a negative memory', 'memory', '-8Gi', /negative/],
    ['1e400 as the API server stores it', 'cpu', '10e399', /larger than/],
    ['int64 max bytes', 'memory', '9223372036854775807', /larger than/],
    ['int64 max cores', 'cpu', '9223372036854775807', /larger than/],
    ['one past the largest amount', 'memory', String(MAX_UNITS + 1), /larger than/],
    ['Ei of cores', 'cpu', '9Ei', /larger than/],
    ['E is exa, not an exponent, and an exabyte is more than we account', 'memory', '1E', /larger than/],
    ['160,000 digits', 'cpu', `${'1'.repeat(160_000)}x`, /longer than/],
    ['80,000 digits then a unit', 'memory', `${'9'.repeat(80_000)}Gi`, /longer than/],
    ['long whitespace', 'memory', `${' '.repeat(100_000)}1Gi${' '.repeat(100_000)}`, /^/],
    ['NaN', 'cpu', Number.NaN as unknown as string, /finite/],
    ['Infinity', 'cpu', Number.POSITIVE_INFINITY as unknown as string, /finite/],
  ])('refuses %s', (_name, resource, q, message) => {
    if (_name === 'long whitespace') {
      // Trimmed in one pass, then an ordinary quantity.
      expect(toSchedulerUnits(resource, q)).toBe(2 ** 30);
      return;
    }
    expect(() => toSchedulerUnits(resource, q)).toThrow(QuantityError);
    expect(() => toSchedulerUnits(resource, q)).toThrow(message);
  });

  it(`refuses anything longer than ${MAX_QUANTITY_LENGTH} characters before parsing it`, () => {
    expect(() => parseExactQuantity('1'.repeat(MAX_QUANTITY_LENGTH + 1))).toThrow(/longer than/);
    expect(parseExactQuantity('1'.repeat(MAX_QUANTITY_LENGTH)).digits).toBe(BigInt('1'.repeat(MAX_QUANTITY_LENGTH)));
  });

  it('never yields anything but a non-negative safe integer or a QuantityError, whatever the string', () => {
    const alphabet = fc.constantFrom(...'0123456789.+-eEkKMGTPinum '.split(''));
    fc.assert(
      fc.property(fc.constantFrom('cpu', 'memory'), fc.string({ unit: alphabet, maxLength: 40 }), (resource, q) => {
        try {
          const units = toSchedulerUnits(resource, q);
          expect(Number.isSafeInteger(units) && units >= 0).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(QuantityError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with float arithmetic where floats are exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 6 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom('', 'k', 'M', 'Ki', 'Mi', 'Gi'), (n, decimals, suffix) => {
        const text = decimals === 0 ? `${n}${suffix}` : `${(n / 10 ** decimals).toFixed(decimals)}${suffix}`;
        const scale = { '': 1, k: 1e3, M: 1e6, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[suffix] as number;
        // n × scale / 10^decimals, rounded up, computed in integers.
        const want = Number((BigInt(n) * BigInt(scale) + BigInt(10 ** decimals) - 1n) / BigInt(10 ** decimals));
        expect(toSchedulerUnits('memory', text)).toBe(want);
      }),
    );
  });

  it('formats back to canonical strings', () => {
    expect(formatQuantity('cpu', 1500)).toBe('1500m');
    expect(formatQuantity('cpu', 2000)).toBe('2');
    expect(formatQuantity('memory', 2432 * 2 ** 20)).toBe('2432Mi');
    expect(formatQuantity('memory', 2 ** 30)).toBe('1Gi');
    expect(formatQuantity('memory', 1000)).toBe('1000');
  });

  it('round-trips scheduler units through format and parse', () => {
    fc.assert(
      fc.property(fc.constantFrom('cpu', 'memory', 'nvidia.com/gpu'), fc.integer({ min: 0, max: 2 ** 40 }), (r, units) => {
        expect(toSchedulerUnits(r, formatQuantity(r, units))).toBe(units);
      }),
    );
  });
});
