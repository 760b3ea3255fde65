// The local cluster's --nodes descriptions, NUMA zones included: the zones
// parseNodeSpecs writes must read back through the extender's own topology
// parser (src/numa/topology.ts) with the capacities the user described.
import { describe, expect, it } from 'vitest';
import { nodeObject, parseNodeSpecs, type NodeSpec } from '../../../dev/cluster/nodes.js';
import { parseResourceList } from '../../../src/k8s/resources.js';
import { topologyFromAnnotation } from '../../../src/numa/topology.js';

/** The zones as the extender reads them from the created Node object. */
function zonesOf(spec: NodeSpec): { name: string; capacity: Record<string, number> }[] {
  const r = topologyFromAnnotation(nodeObject(spec));
  if (!r.ok) throw new Error(r.reason);
  return r.topology.zones.map((z) => ({ name: z.name, capacity: { ...z.capacity } }));
}

const units = (list: Record<string, string>): Record<string, number> => parseResourceList(list);

describe('--nodes descriptions', () => {
  it('numa=2 splits cpu, memory and GPUs evenly into two zones that the extender reads back', () => {
    const [node, ...rest] = parseNodeSpecs('gpu-0 cpu=16,memory=64Gi,nvidia.com/gpu=4 numa=2');
    expect(rest).toEqual([]);
    expect(node?.name).toBe('gpu-0');
    expect(node?.labels).toEqual({});
    expect(node?.resources).toEqual({ pods: '110', cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '4' });
    expect(zonesOf(node!)).toEqual([
      { name: 'node-0', capacity: units({ cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' }) },
      { name: 'node-1', capacity: units({ cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' }) },
    ]);
  });

  it.each([
    { desc: 'x cpu=6,memory=10Gi,nvidia.com/gpu=3 numa=4', zones: [['2', '2560Mi', '1'], ['2', '2560Mi', '1'], ['1', '2560Mi', '1'], ['1', '2560Mi', '0']] },
    { desc: 'x cpu=1500m,memory=1000 numa=2', zones: [['750m', '500', undefined], ['750m', '500', undefined]] },
    { desc: 'x cpu=1,memory=3Mi numa=2', zones: [['500m', '2Mi', undefined], ['500m', '1Mi', undefined]] },
    { desc: 'x cpu=4,memory=4Gi,nvidia.com/gpu=1 numa=2', zones: [['2', '2Gi', '1'], ['2', '2Gi', '0']] },
  ])('an uneven split keeps the node total, remainders in whole units first: $desc', ({ desc, zones }) => {
    const [node] = parseNodeSpecs(desc);
    const got = zonesOf(node!);
    expect(got.map((z) => z.name)).toEqual(zones.map((_, i) => `node-${i}`));
    got.forEach((z, i) => {
      const [cpu, memory, gpu] = zones[i]!;
      expect(z.capacity).toEqual(units({ cpu: cpu!, memory: memory!, ...(gpu !== undefined ? { 'nvidia.com/gpu': gpu } : {}) }));
    });
    for (const r of ['cpu', 'memory']) {
      const sum = got.reduce((s, z) => s + (z.capacity[r] ?? 0), 0);
      expect(sum, r).toBe(units(node!.resources)[r]);
    }
  });

  it('leaves pods and ephemeral-storage out of the zones: they are node-wide', () => {
    const [node] = parseNodeSpecs('x cpu=2,memory=2Gi,ephemeral-storage=100Gi,hugepages-2Mi=1Gi numa=2');
    for (const z of zonesOf(node!)) expect(Object.keys(z.capacity).sort()).toEqual(['cpu', 'hugepages-2Mi', 'memory']);
  });

  it('takes explicit zones separated by | and reads them back', () => {
    const [node] = parseNodeSpecs('g cpu=16,memory=64Gi,nvidia.com/gpu=4 numa=cpu=12,memory=48Gi,nvidia.com/gpu=4|cpu=4,memory=16Gi');
    expect(zonesOf(node!)).toEqual([
      { name: 'node-0', capacity: units({ cpu: '12', memory: '48Gi', 'nvidia.com/gpu': '4' }) },
      { name: 'node-1', capacity: units({ cpu: '4', memory: '16Gi' }) },
    ]);
  });

  it('keeps other key=value words as labels beside numa, on every node of a group', () => {
    const nodes = parseNodeSpecs('2x cpu=8,memory=32Gi pool=gpu numa=2 zone=a; cpu-0 cpu=4,memory=8Gi pool=cpu');
    expect(nodes.map((n) => [n.name, n.labels, Object.keys(n.annotations ?? {})])).toEqual([
      ['node-0', { pool: 'gpu', zone: 'a' }, ['gangplank.io/numa-topology']],
      ['node-1', { pool: 'gpu', zone: 'a' }, ['gangplank.io/numa-topology']],
      ['cpu-0', { pool: 'cpu' }, []],
    ]);
    expect(nodeObject(nodes[0]!).metadata?.labels).toMatchObject({ pool: 'gpu', zone: 'a', 'kubernetes.io/hostname': 'node-0' });
  });

  it.each([
    ['no zones', 'x cpu=4 numa=0', /numa=0 .*want 1 to 64 zones/],
    ['too many zones', 'x cpu=4 numa=65', /want 1 to 64 zones/],
    ['explicit zones above the node', 'x cpu=4,memory=8Gi numa=cpu=3|cpu=2', /hold 5 cpu, more than the node's 4/],
    ['a zone with a resource the node lacks', 'x cpu=4 numa=cpu=2,nvidia.com/gpu=1', /hold 1 nvidia.com\/gpu, more than the node's 0/],
    ['a bad zone quantity', 'x cpu=4 numa=cpu=two', /bad quantity "cpu=two"/],
    ['numa twice', 'x cpu=4 numa=2 numa=2', /numa given twice/],
    ['a word without =', 'x cpu=4 gpu', /bad word "gpu"/],
    ['a bad resource quantity', 'x cpu=lots', /bad quantity "cpu=lots"/],
  ])('rejects %s', (_name, desc, message) => {
    expect(() => parseNodeSpecs(desc)).toThrow(message);
  });
});
