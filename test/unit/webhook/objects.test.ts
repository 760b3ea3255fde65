// The JSON helpers the webhook's hot path rests on, against the obvious
// reference implementations, over generated JSON values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, clone } from '../../../src/webhook/objects.js';

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) Object.defineProperty(out, k, { value: sortKeys((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** The same value with every object's keys in reverse order. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).reverse()) Object.defineProperty(out, k, { value: reversed((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

describe('JSON helpers', () => {
  it('canonicalJson is JSON of the same value, the same string whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalJson(reversed(v))).toBe(canonicalJson(v));
      }),
      { numRuns: 500 },
    );
  });
  it('canonicalJson tells different values apart', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(canonicalJson(a) === canonicalJson(b)).toBe(JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b)));
      }),
      { numRuns: 500 },
    );
  });
  it('canonicalJson leaves out undefined properties, as JSON does', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [undefined, 2] })).toBe('{"b":1,"c":[null,2]}');
  });
  it('clone is a deep copy equal to the original and sharing nothing with it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = clone(v);
        expect(c).toEqual(v);
        if (v !== null && typeof v === 'object') {
          expect(c).not.toBe(v);
          expect(JSON.stringify(c)).toBe(JSON.stringify(v));
        }
      }),
      { numRuns: 500 },
    );
  });
  it('clone keeps a "__proto__" key as data (JSON.parse makes it an own property)', () => {
    const v = JSON.parse('{"metadata":{"annotations":{"__proto__":{"polluted":"yes"}}}}') as { metadata: { annotations: Record<string, unknown> } };
    const c = clone(v);
    expect(Object.keys(c.metadata.annotations)).toEqual(['__proto__']);
    expect((c.metadata.annotations as { polluted?: string }).polluted).toBeUndefined();
    expect(JSON.stringify(c)).toBe(JSON.stringify(v));
  });
  it('clone copies nested objects (changing the copy leaves the original alone)', () => {
    const pod = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'x', env: [{ name: 'E', value: '1' }] }] } };
    const c = clone(pod);
    c.metadata.labels.a = 'changed';
    (c.spec.containers[0] as { env: { value: string }[] }).env[0]!.value = '2';
    expect(pod.metadata.labels.a).toBe('b');
    expect(pod.spec.containers[0]?.env[0]?.value).toBe('1');
  });
});
