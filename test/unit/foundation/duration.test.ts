import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/duration.js';

describe('parseDuration (Go-style flags such as --cert-validity)', () => {
  it.each([
    ['8760h', 8760 * 3_600_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['2m3s4ms', 123_004],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '0s', '10', 'h', '1y', '1h ', ' 1h', '-5s', '1e3s', '1..5h', '1h30', 'a year', `${'9'.repeat(70)}s`])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('adds its parts: parse(a + b) = parse(a) + parse(b)', () => {
    const part = fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.constantFrom('h', 'm', 's', 'ms')).map(([n, u]) => `${n}${u}`);
    fc.assert(
      fc.property(part, part, (a, b) => {
        expect(parseDuration(a + b)).toBe((parseDuration(a) as number) + (parseDuration(b) as number));
      }),
    );
  });
});
