import { describe, expect, it } from 'vitest';
import { annotatedNumaResources } from '../../../src/numa/policy.js';
import { nodeTopology, topologyFromAnnotation, topologyFromNrt } from '../../../src/numa/topology.js';
import { makeNode } from '../../support/node.js';

describe('topology from the node annotation', () => {
  it('parses the builder format into zone capacities in scheduler units', () => {
    const node = makeNode('n1').numaZones([{ name: 'node-0', resources: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '4' } }]).obj();
    expect(topologyFromAnnotation(node)).toMatchObject({ ok: true, topology: { source: 'annotation', zones: [{ name: 'node-0', id: 0, capacity: { cpu: 16000, memory: 64 * 2 ** 30, 'nvidia.com/gpu': 4 } }] } });
  });

  it.each([
    { name: 'not JSON', value: '[{', match: /malformed/ },
    { name: 'empty list', value: '[]', match: /non-empty/ },
    { name: 'zone without a name', value: '[{"resources":{"cpu":"1"}}]', match: /no name/ },
    { name: 'repeated zone name', value: '[{"name":"a","resources":{}},{"name":"a","resources":{}}]', match: /repeats/ },
    { name: 'bad quantity', value: '[{"name":"a","resources":{"cpu":"lots"}}]', match: /not a Kubernetes quantity/ },
  ])('rejects $name', ({ value, match }) => {
    const r = topologyFromAnnotation(makeNode('n1').annotation('gangplank.io/numa-topology', value).obj());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(match);
  });

  it('says there is no topology when the annotation is absent', () => {
    expect(topologyFromAnnotation(makeNode('n1').obj()).ok).toBe(false);
  });
});

describe('topology from NodeResourceTopology v1alpha2', () => {
  const nrt = {
    metadata: { name: 'n1' },
    topologyPolicies: ['SingleNUMANodeContainerLevel'],
    zones: [
      { name: 'node-0', type: 'Node', resources: [{ name: 'nvidia.com/gpu', capacity: '4', allocatable: '4', available: '1' }, { name: 'cpu', capacity: '16', allocatable: '15', available: '7500m' }] },
      { name: 'core-0', type: 'Core', resources: [{ name: 'cpu', capacity: '2', allocatable: '2', available: '2' }] },
    ],
  };

  it('keeps zones of type Node with allocatable as capacity and available', () => {
    const r = topologyFromNrt(nrt);
    expect(r).toMatchObject({
      ok: true,
      topology: { source: 'nrt', zones: [{ name: 'node-0', id: 0, capacity: { 'nvidia.com/gpu': 4, cpu: 15000 }, available: { 'nvidia.com/gpu': 1, cpu: 7500 } }], kubelet: { policy: 'single-numa-node', scope: 'container' } },
    });
    expect(r.ok && [...(r.topology.reported ?? [])].sort()).toEqual(['cpu', 'nvidia.com/gpu']);
    expect(r.ok && r.topology.fingerprint).toBeUndefined();
  });

  it('orders zones by NUMA id, the kubelet\'s order, whatever order the exporter lists them in', () => {
    const r = topologyFromNrt({ metadata: { name: 'n1' }, zones: ['node-10', 'node-2', 'node-0'].map((name) => ({ name, type: 'Node', resources: [] })) });
    expect(r.ok && r.topology.zones.map((z) => z.name)).toEqual(['node-0', 'node-2', 'node-10']);
  });

  it('reads the topology manager and the pod-set fingerprint from the attributes', () => {
    const r = topologyFromNrt({
      ...nrt,
      topologyPolicies: ['None'],
      attributes: [
        { name: 'topologyManagerPolicy', value: 'restricted' },
        { name: 'topologyManagerScope', value: 'pod' },
        { name: 'nodeTopologyPodsFingerprint', value: 'pfp0v001607b76a0e9d3aeb4' },
        { name: 'nodeTopologyPodsFingerprintMethod', value: 'with-exclusive-resources' },
      ],
    });
    expect(r).toMatchObject({ ok: true, topology: { kubelet: { policy: 'restricted', scope: 'pod' }, fingerprint: { value: 'pfp0v001607b76a0e9d3aeb4', method: 'with-exclusive-resources' } } });
  });

  it('an unknown fingerprint method counts as all pods', () => {
    const r = topologyFromNrt({ ...nrt, attributes: [{ name: 'nodeTopologyPodsFingerprint', value: 'pfp0v001607b76a0e9d3aeb4' }, { name: 'nodeTopologyPodsFingerprintMethod', value: 'sometimes' }] });
    expect(r.ok && r.topology.fingerprint?.method).toBe('all');
  });

  it('nodes with alike zones and kubelet settings share a profile; others do not', () => {
    const a = topologyFromNrt(nrt);
    const b = topologyFromNrt({ ...nrt, metadata: { name: 'n2' } });
    const c = topologyFromNrt({ ...nrt, topologyPolicies: ['RestrictedPodLevel'] });
    expect(a.ok && b.ok && a.topology.profile === b.topology.profile).toBe(true);
    expect(a.ok && c.ok && a.topology.profile === c.topology.profile).toBe(false);
  });

  it('a malformed quantity fails closed with the object named', () => {
    const r = topologyFromNrt({ metadata: { name: 'n1' }, zones: [{ name: 'node-0', type: 'Node', resources: [{ name: 'cpu', allocatable: 'lots' }] }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/n1 is malformed/);
  });

  it('wins over the annotation', () => {
    const node = makeNode('n1').numaZones([{ name: 'z', resources: { cpu: '1' } }]).obj();
    const r = nodeTopology(node, nrt);
    expect(r.ok && r.topology.source).toBe('nrt');
  });

  it('an object with no Node zones is no topology (fails closed)', () => {
    expect(topologyFromNrt({ metadata: { name: 'n1' }, zones: [{ name: 'c', type: 'Core' }] }).ok).toBe(false);
  });
});

describe('NUMA policy annotations', () => {
  it.each([
    { name: 'single-numa with resources', a: { 'numa.scheduling.kubenexus.io/policy': 'single-numa', 'numa.scheduling.kubenexus.io/resources': 'cpu, nvidia.com/gpu' }, want: ['cpu', 'nvidia.com/gpu'] },
    { name: 'single-numa-node defaults resources', a: { 'numa.scheduling.kubenexus.io/policy': 'single-numa-node' }, want: ['cpu', 'memory'] },
    { name: 'none is off', a: { 'numa.scheduling.kubenexus.io/policy': 'none' }, want: null },
    { name: 'no annotation is off', a: {}, want: null },
    { name: 'unknown policy is off', a: { 'numa.scheduling.kubenexus.io/policy': 'restricted' }, want: null },
  ])('$name', ({ a, want }) => {
    expect(annotatedNumaResources(a as Record<string, string>, ['cpu', 'memory'])).toEqual(want);
  });
});
