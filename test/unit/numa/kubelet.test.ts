// The kubelet topology-manager model (src/numa/kubelet.ts): what a node's
// NRT says its policy is, which of a pod's resources the hint providers
// align, and what each policy then demands.
import { describe, expect, it } from 'vitest';
import { alignedResources, kubeletNeed, kubeletTopology, minimalSpan, podAlignment, podQos, shapeAlignment, zoneSets, type KubeletTopology, type QosClass } from '../../../src/numa/kubelet.js';
import { makePod } from '../../support/pod.js';

describe('topology manager from the NRT object', () => {
  it.each([
    { name: 'nothing: the kubelet defaults', policies: undefined, attrs: undefined, want: { policy: 'none', scope: 'container' } },
    { name: 'legacy SingleNUMANodePodLevel', policies: ['SingleNUMANodePodLevel'], attrs: undefined, want: { policy: 'single-numa-node', scope: 'pod' } },
    { name: 'legacy SingleNUMANodeContainerLevel', policies: ['SingleNUMANodeContainerLevel'], attrs: undefined, want: { policy: 'single-numa-node', scope: 'container' } },
    { name: 'legacy RestrictedPodLevel', policies: ['RestrictedPodLevel'], attrs: undefined, want: { policy: 'restricted', scope: 'pod' } },
    { name: 'legacy BestEffort (no scope)', policies: ['BestEffort'], attrs: undefined, want: { policy: 'best-effort', scope: 'container' } },
    { name: 'legacy None', policies: ['None'], attrs: undefined, want: { policy: 'none', scope: 'container' } },
    {
      name: 'attributes win over the legacy field',
      policies: ['BestEffortContainerLevel'],
      attrs: [
        { name: 'topologyManagerPolicy', value: 'single-numa-node' },
        { name: 'topologyManagerScope', value: 'pod' },
      ],
      want: { policy: 'single-numa-node', scope: 'pod' },
    },
    { name: 'attribute policy alone keeps the default scope', policies: [], attrs: [{ name: 'topologyManagerPolicy', value: 'restricted' }], want: { policy: 'restricted', scope: 'container' } },
    { name: 'unknown values are ignored', policies: ['Sometimes'], attrs: [{ name: 'topologyManagerPolicy', value: 'SINGLE' }, { name: 'topologyManagerScope', value: 'node' }], want: { policy: 'none', scope: 'container' } },
  ])('$name', ({ policies, attrs, want }) => {
    expect(kubeletTopology(policies, attrs)).toEqual(want);
  });
});

describe('QoS class (v1qos.GetPodQOS)', () => {
  it.each([
    { name: 'requests equal limits for cpu and memory', pod: makePod().requests({ cpu: '2', memory: '4Gi' }).limits({ cpu: '2', memory: '4Gi' }), want: 'Guaranteed' },
    { name: 'limits only (requests default to them)', pod: makePod().limits({ cpu: '2', memory: '4Gi' }), want: 'Guaranteed' },
    { name: 'cpu limit above its request', pod: makePod().requests({ cpu: '1', memory: '4Gi' }).limits({ cpu: '2', memory: '4Gi' }), want: 'Burstable' },
    { name: 'no memory limit', pod: makePod().requests({ cpu: '2', memory: '4Gi' }).limits({ cpu: '2' }), want: 'Burstable' },
    { name: 'requests only', pod: makePod().requests({ cpu: '2' }), want: 'Burstable' },
    { name: 'GPUs only', pod: makePod().gpu(2), want: 'BestEffort' },
    { name: 'nothing', pod: makePod(), want: 'BestEffort' },
    {
      name: 'an init container without limits makes it Burstable',
      pod: makePod().requests({ cpu: '2', memory: '4Gi' }).limits({ cpu: '2', memory: '4Gi' }).initContainer({ name: 'init', image: 'busybox', resources: { requests: { cpu: '1' } } }),
      want: 'Burstable',
    },
  ])('$name: $want', ({ pod, want }) => {
    expect(podQos(pod.obj())).toBe(want);
  });
});

describe('aligned resources (hint providers)', () => {
  it.each<{ name: string; qos: QosClass; r: Record<string, number>; want: Record<string, number> }>([
    { name: 'Guaranteed whole CPUs, memory, hugepages, GPUs', qos: 'Guaranteed', r: { cpu: 4000, memory: 8, 'hugepages-2Mi': 2, 'nvidia.com/gpu': 2, pods: 1, 'ephemeral-storage': 9 }, want: { cpu: 4000, memory: 8, 'hugepages-2Mi': 2, 'nvidia.com/gpu': 2 } },
    { name: 'Guaranteed fractional CPU is shared (no CPU-manager hint)', qos: 'Guaranteed', r: { cpu: 1500, memory: 8 }, want: { memory: 8 } },
    { name: 'Burstable: devices only', qos: 'Burstable', r: { cpu: 4000, memory: 8, 'nvidia.com/gpu': 1 }, want: { 'nvidia.com/gpu': 1 } },
    { name: 'BestEffort: devices only', qos: 'BestEffort', r: { 'example.com/nic': 1 }, want: { 'example.com/nic': 1 } },
    { name: 'kubernetes.io-prefixed names are native', qos: 'Burstable', r: { 'kubernetes.io/batch-cpu': 1 }, want: {} },
  ])('$name', ({ qos, r, want }) => {
    expect(alignedResources(qos, { ...r })).toEqual(want);
  });

  it('pod scope: app containers and sidecars add up, the largest init container counts alone', () => {
    const pod = makePod()
      .requests({ cpu: '2', memory: '2Gi' })
      .limits({ cpu: '2', memory: '2Gi', 'nvidia.com/gpu': '1' })
      .initContainer({ name: 'init', image: 'x', resources: { limits: { cpu: '6', memory: '1Gi', 'nvidia.com/gpu': '3' } } })
      .initContainer({ name: 'sidecar', image: 'x', restartPolicy: 'Always', resources: { limits: { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '1' } } })
      .obj();
    // Guaranteed (limits stand in for requests everywhere): init peak cpu 6, gpu 3; apps + sidecar cpu 3, gpu 2.
    expect(podAlignment(pod)).toEqual({ pod: { cpu: 6000, memory: 3 * 2 ** 30, 'nvidia.com/gpu': 3 }, containers: 3 });
  });

  it('an executor shape is taken as one Guaranteed container (the most the kubelet could align)', () => {
    expect(shapeAlignment({ cpu: 4000, memory: 1024, 'nvidia.com/gpu': 1, pods: 1 })).toEqual({ pod: { cpu: 4000, memory: 1024, 'nvidia.com/gpu': 1 }, containers: 1 });
    expect(shapeAlignment({ cpu: 500, pods: 1 })).toEqual({ pod: {}, containers: 0 });
  });
});

describe('what the kubelet demands (kubeletNeed)', () => {
  const zones = [{ capacity: { cpu: 16000, 'nvidia.com/gpu': 4 } }, { capacity: { cpu: 16000, 'nvidia.com/gpu': 4 } }];
  const reported = new Set(['cpu', 'nvidia.com/gpu']);
  const kt = (policy: KubeletTopology['policy'], scope: KubeletTopology['scope'] = 'pod'): KubeletTopology => ({ policy, scope });
  const align = (pod: Record<string, number>, containers = 1) => ({ pod, containers });

  it.each([
    { name: 'policy none aligns nothing', k: kt('none'), a: align({ 'nvidia.com/gpu': 4 }), want: { kind: 'none' } },
    { name: 'nothing aligned', k: kt('single-numa-node'), a: align({}, 0), want: { kind: 'none' } },
    { name: 'single-numa-node: one zone', k: kt('single-numa-node'), a: align({ 'nvidia.com/gpu': 4, cpu: 4000 }), want: { kind: 'zones', need: { 'nvidia.com/gpu': 4, cpu: 4000 }, span: 1, optional: false } },
    { name: 'single-numa-node: 6 GPUs on 4-GPU zones is refused', k: kt('single-numa-node'), a: align({ 'nvidia.com/gpu': 6 }), want: { kind: 'never' } },
    { name: 'best-effort: one zone preferred, not required', k: kt('best-effort'), a: align({ 'nvidia.com/gpu': 6 }), want: { kind: 'zones', need: { 'nvidia.com/gpu': 6 }, span: 1, optional: true } },
    { name: 'restricted: 6 GPUs take the two zones (minimal set)', k: kt('restricted'), a: align({ 'nvidia.com/gpu': 6 }), want: { kind: 'zones', need: { 'nvidia.com/gpu': 6 }, span: 2, optional: false } },
    { name: 'restricted: 6 GPUs and 4 whole CPUs disagree on the zone count', k: kt('restricted'), a: align({ 'nvidia.com/gpu': 6, cpu: 4000 }), want: { kind: 'never' } },
    { name: 'restricted, container scope, two aligned containers over one zone', k: kt('restricted', 'container'), a: align({ 'nvidia.com/gpu': 6 }, 2), want: { kind: 'never' } },
    { name: 'more than all zones hold', k: kt('restricted'), a: align({ 'nvidia.com/gpu': 9 }), want: { kind: 'never' } },
    { name: 'an extended resource no zone reports is host-level', k: kt('single-numa-node'), a: align({ 'example.com/fpga': 1 }), want: { kind: 'none' } },
    { name: 'native memory no zone reports is still aligned, so no zone can hold it', k: kt('single-numa-node'), a: align({ memory: 1024 }), want: { kind: 'never' } },
  ])('$name', ({ k, a, want }) => {
    const got = kubeletNeed(k, a, zones, reported);
    expect(got).toMatchObject(want);
    if (got.kind === 'never') expect(got.reason).toMatch(/\d/);
  });

  it('minimal span counts zones by capacity, largest first', () => {
    expect(minimalSpan([{ capacity: { g: 1 } }, { capacity: { g: 4 } }, { capacity: { g: 2 } }], 'g', 5)).toBe(2);
    expect(minimalSpan([{ capacity: { g: 1 } }], 'g', 2)).toBe(Infinity);
  });

  it('zone sets come in the kubelet order: lowest bitmask first', () => {
    expect(zoneSets(3, 1)).toEqual([[0], [1], [2]]);
    expect(zoneSets(4, 2)).toEqual([[0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3]]);
  });
});
