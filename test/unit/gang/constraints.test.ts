import { describe, expect, it } from 'vitest';
import { executorConstraints, nodeMismatch, type PlacementConstraints } from '../../../src/gang/constraints.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const gpuNode = makeNode('g1').label('pool', 'gpu').label('gen', '5').taint({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }).obj();
const tolerateGpu = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }];
const affinity = (op: string, key: string, values?: string[]): PlacementConstraints => ({
  nodeSelector: {},
  tolerations: tolerateGpu,
  requiredNodeAffinity: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator: op, values }] }] },
});
/** Constraints with the parts a row leaves out empty. */
const c = (partial: Partial<PlacementConstraints>): PlacementConstraints => ({ nodeSelector: {}, tolerations: [], ...partial });

describe('node constraint matcher', () => {
  it.each([
    { name: 'untolerated NoSchedule taint', c: {}, want: /untolerated taint nvidia.com\/gpu=present:NoSchedule/ },
    { name: 'tolerated by Exists', c: { tolerations: tolerateGpu }, want: null },
    { name: 'tolerated by Equal with value', c: { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present' }] }, want: null },
    { name: 'Equal with other value does not tolerate', c: { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'absent' }] }, want: /untolerated/ },
    { name: 'empty key Exists tolerates all', c: { tolerations: [{ operator: 'Exists' }] }, want: null },
    { name: 'wrong effect does not tolerate', c: { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }] }, want: /untolerated/ },
    { name: 'nodeSelector match', c: { nodeSelector: { pool: 'gpu' }, tolerations: tolerateGpu }, want: null },
    { name: 'nodeSelector mismatch', c: { nodeSelector: { pool: 'cpu' }, tolerations: tolerateGpu }, want: /node selector pool=cpu/ },
    { name: 'In', c: affinity('In', 'pool', ['gpu', 'x']), want: null },
    { name: 'NotIn', c: affinity('NotIn', 'pool', ['gpu']), want: /affinity/ },
    { name: 'NotIn on a missing label matches', c: affinity('NotIn', 'zone', ['a']), want: null },
    { name: 'Exists', c: affinity('Exists', 'gen'), want: null },
    { name: 'DoesNotExist', c: affinity('DoesNotExist', 'gen'), want: /affinity/ },
    { name: 'Gt', c: affinity('Gt', 'gen', ['4']), want: null },
    { name: 'Gt equal fails', c: affinity('Gt', 'gen', ['5']), want: /affinity/ },
    { name: 'Lt', c: affinity('Lt', 'gen', ['6']), want: null },
    { name: 'Lt on non-integer fails', c: affinity('Lt', 'pool', ['6']), want: /affinity/ },
  ])('$name', ({ c: row, want }) => {
    const got = nodeMismatch(gpuNode, 'requiredNodeAffinity' in row ? (row as PlacementConstraints) : c(row as Partial<PlacementConstraints>));
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });

  it('terms are ORed, expressions ANDed, matchFields by name', () => {
    const terms: PlacementConstraints = {
      nodeSelector: {},
      tolerations: tolerateGpu,
      requiredNodeAffinity: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'pool', operator: 'In', values: ['gpu'] }, { key: 'gen', operator: 'In', values: ['4'] }] },
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['g1'] }] },
        ],
      },
    };
    expect(nodeMismatch(gpuNode, terms)).toBeNull();
    expect(nodeMismatch(makeNode('g2').label('pool', 'gpu').obj(), terms)).toMatch(/affinity/);
  });

  it('an unschedulable node needs the unschedulable toleration; PreferNoSchedule never blocks', () => {
    const n = makeNode('n').unschedulable().taint({ key: 'soft', effect: 'PreferNoSchedule' }).obj();
    expect(nodeMismatch(n, c({}))).toBe('node is unschedulable');
    expect(nodeMismatch(n, c({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }))).toBeNull();
  });
});

describe('executor constraints', () => {
  it('default to the driver own nodeSelector, tolerations and required affinity', () => {
    const d = makePod('d').nodeSelector({ pool: 'spark' }).toleration({ key: 'spark', operator: 'Exists' }).obj();
    expect(executorConstraints(d)).toEqual({ nodeSelector: { pool: 'spark' }, tolerations: [{ key: 'spark', operator: 'Exists' }] });
  });

  it('come from the webhook annotation when present (requiredNodeAffinity form)', () => {
    const d = makePod('d')
      .nodeSelector({ pool: 'driver' })
      .annotation('gangplank.io/executor-constraints', JSON.stringify({ nodeSelector: { pool: 'gpu' }, tolerations: tolerateGpu, requiredNodeAffinity: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }] } }))
      .obj();
    const got = executorConstraints(d) as PlacementConstraints;
    expect(got.nodeSelector).toEqual({ pool: 'gpu' });
    expect(nodeMismatch(gpuNode, got)).toBeNull();
  });

  it('a malformed annotation is an error', () => {
    expect(executorConstraints(makePod('d').annotation('gangplank.io/executor-constraints', '{').obj())).toBeInstanceOf(Error);
  });
});
