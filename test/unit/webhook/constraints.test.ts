// sameConstraints (executors placed as the driver?) against the reference
// definition: equal canonical JSON with tolerations compared as a set.
import type { V1NodeSelector, V1Toleration } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlacementConstraints } from '../../../src/contract/annotations.js';
import { sameConstraints } from '../../../src/webhook/constraints.js';
import { canonicalJson } from '../../../src/webhook/objects.js';

function reference(a: PlacementConstraints, b: PlacementConstraints): boolean {
  const norm = (c: PlacementConstraints): string =>
    canonicalJson({ nodeSelector: c.nodeSelector, tolerations: [...new Set(c.tolerations.map(canonicalJson))].sort(), requiredNodeAffinity: c.requiredNodeAffinity ?? null });
  return norm(a) === norm(b);
}

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const toleration: fc.Arbitrary<V1Toleration> = fc
  .record({
    key: opt(fc.constantFrom('workload-type', 'gpu', '')),
    operator: opt(fc.constantFrom('Equal', 'Exists')),
    value: opt(fc.constantFrom('data-platform', '')),
    effect: opt(fc.constantFrom('NoSchedule', 'NoExecute')),
    tolerationSeconds: opt(fc.constantFrom(0, 300)),
  })
  .map((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as V1Toleration);
const constraints: fc.Arbitrary<PlacementConstraints> = fc.record({
  nodeSelector: fc.dictionary(fc.constantFrom('pool', 'kubernetes.io/os'), fc.constantFrom('a', 'linux'), { maxKeys: 2 }),
  tolerations: fc.array(toleration, { maxLength: 3 }),
  requiredNodeAffinity: opt(fc.constant<V1NodeSelector>({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] })),
}).map((c): PlacementConstraints => (c.requiredNodeAffinity === undefined ? { nodeSelector: c.nodeSelector, tolerations: c.tolerations } : c));

describe('sameConstraints', () => {
  it('agrees with the canonical-JSON definition', () => {
    fc.assert(
      fc.property(constraints, constraints, (a, b) => {
        expect(sameConstraints(a, b)).toBe(reference(a, b));
      }),
      { numRuns: 2000 },
    );
  });
  it('ignores toleration order and repetition', () => {
    fc.assert(
      fc.property(constraints, (a) => {
        const shuffled = { ...a, tolerations: [...a.tolerations].reverse().concat(a.tolerations.slice(0, 1)) };
        expect(sameConstraints(a, shuffled)).toBe(true);
      }),
    );
  });
  it('tells an absent field from an empty one', () => {
    const base = { nodeSelector: {}, tolerations: [{ key: 'gpu', operator: 'Exists' }] };
    expect(sameConstraints(base, { nodeSelector: {}, tolerations: [{ key: 'gpu', operator: 'Exists', value: '' }] })).toBe(false);
    expect(sameConstraints(base, { nodeSelector: { pool: 'a' }, tolerations: base.tolerations })).toBe(false);
  });
});
