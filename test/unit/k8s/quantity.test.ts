import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatQuantity, parseQuantity, QuantityError, toSchedulerUnits } from '../../../src/k8s/quantity.js';

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

  it.each(['', 'abc', '1.2.3', '5 Gi', '--1', '1Zi'])('rejects %j with a QuantityError', (q) => {
    expect(() => parseQuantity(q)).toThrow(QuantityError);
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
