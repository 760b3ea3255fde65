// The numbered NUMA matrix of src/numa/TESTS.md; each test name starts with its ID.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { CapacityIndex, podUsage } from '../../../src/gang/capacity.js';
import { Ledger } from '../../../src/gang/ledger.js';
import { Room } from '../../../src/gang/room.js';
import { podNumaRequirement } from '../../../src/numa/policy.js';
import type { NodeResourceTopology } from '../../../src/numa/topology.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const DEFAULT_RESOURCES = ['cpu', 'memory', 'nvidia.com/gpu'];

function twoZoneNode(gpus: [number, number]): V1Node {
  return makeNode('n1')
    .cpu('16')
    .memory('64Gi')
    .gpu(gpus[0] + gpus[1])
    .numaZones([
      { name: 'node-0', resources: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': String(gpus[0]) } },
      { name: 'node-1', resources: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': String(gpus[1]) } },
    ])
    .obj();
}

function nrt(available: [number, number]): NodeResourceTopology {
  const zone = (name: string, gpus: number) => ({
    name,
    type: 'Node',
    resources: [
      { name: 'cpu', capacity: '8', allocatable: '8', available: '8' },
      { name: 'memory', capacity: '32Gi', allocatable: '32Gi', available: '32Gi' },
      { name: 'nvidia.com/gpu', capacity: '4', allocatable: '4', available: String(gpus) },
    ],
  });
  return { apiVersion: 'topology.node.k8s.io/v1alpha2', kind: 'NodeResourceTopology', metadata: { name: 'n1' }, topologyPolicies: ['SingleNUMANodePodLevel'], zones: [zone('node-0', available[0]), zone('node-1', available[1]), { name: 'core-0', type: 'Core', resources: [] }] };
}

/** An NRT whose kubelet runs `policy` (topologyManagerPolicy/-Scope attributes), zones cpu 8, memory 32Gi and `cap` GPUs, `avail` free. */
function nrtKubelet(policy: string, avail: [number, number], opts: { cap?: [number, number]; scope?: 'pod' | 'container' } = {}): NodeResourceTopology {
  const cap = opts.cap ?? [4, 4];
  const zone = (i: 0 | 1) => ({
    name: `node-${i}`,
    type: 'Node',
    resources: [
      { name: 'cpu', capacity: '8', allocatable: '8', available: '8' },
      { name: 'memory', capacity: '32Gi', allocatable: '32Gi', available: '32Gi' },
      { name: 'nvidia.com/gpu', capacity: String(cap[i]), allocatable: String(cap[i]), available: String(avail[i]) },
    ],
  });
  return {
    metadata: { name: 'n1' },
    topologyPolicies: [],
    zones: [zone(0), zone(1)],
    attributes: [
      { name: 'topologyManagerPolicy', value: policy },
      { name: 'topologyManagerScope', value: opts.scope ?? 'pod' },
    ],
  };
}

const nrtNode = (): V1Node => makeNode('n1').cpu('16').memory('64Gi').gpu(8).resource('example.com/fpga', '2').obj();

/** A Guaranteed pod (requests = limits) with GPUs and no NUMA annotation. */
function guaranteed(gpus: number, cpu = '2', opts: { annotate?: boolean; second?: number } = {}): V1Pod {
  const b = makePod('g').uid('uid-g').requests({ cpu, memory: '4Gi' }).limits({ cpu, memory: '4Gi' }).gpu(gpus);
  if (opts.annotate) b.annotation('numa.scheduling.kubenexus.io/policy', 'single-numa').annotation('numa.scheduling.kubenexus.io/resources', 'nvidia.com/gpu');
  if (opts.second !== undefined) {
    const q = { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': String(opts.second) };
    const p = b.obj();
    p.spec!.containers.push({ name: 'second', image: 'busybox', resources: { requests: q, limits: q } });
    return p;
  }
  return b.obj();
}

type Policy = 'none' | 'single-numa' | 'single-numa-node';

function gpuPod(gpus: number, policy: Policy, opts: { init?: number; sidecar?: number; cpu?: string; resources?: string } = {}): V1Pod {
  const b = makePod('p').uid('uid-p').cpu(opts.cpu ?? '1').memory('1Gi').gpu(gpus);
  if (policy !== 'none') b.annotation('numa.scheduling.kubenexus.io/policy', policy);
  if (opts.resources) b.annotation('numa.scheduling.kubenexus.io/resources', opts.resources);
  if (opts.init !== undefined) b.initContainer({ name: 'init', image: 'busybox', resources: { requests: { 'nvidia.com/gpu': String(opts.init) }, limits: { 'nvidia.com/gpu': String(opts.init) } } });
  if (opts.sidecar !== undefined) {
    b.initContainer({ name: 'sidecar', image: 'busybox', restartPolicy: 'Always', resources: { requests: { 'nvidia.com/gpu': String(opts.sidecar) }, limits: { 'nvidia.com/gpu': String(opts.sidecar) } } });
  }
  return b.obj();
}

interface Row {
  id: string;
  node: V1Node;
  pod: V1Pod;
  nrt?: NodeResourceTopology;
  staleTopology?: string;
  /** Pods already bound in the node: GPUs per zone. */
  usedInZone?: [string, number][];
  reserveInZone?: [string, number];
  expect: { ok: true; zone?: string } | { ok: false; numa: 'no_zone_fits' | 'no_topology' | 'stale_topology'; match?: RegExp };
}

const rows: Row[] = [
  { id: 'N01', node: twoZoneNode([2, 2]), pod: gpuPod(1, 'none'), expect: { ok: true } },
  { id: 'N02', node: twoZoneNode([2, 2]), pod: gpuPod(2, 'single-numa'), expect: { ok: true, zone: 'node-0' } },
  { id: 'N03', node: twoZoneNode([2, 2]), pod: gpuPod(3, 'single-numa'), expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N04', node: twoZoneNode([2, 2]), pod: gpuPod(3, 'none'), expect: { ok: true } },
  { id: 'N05', node: twoZoneNode([2, 2]), pod: gpuPod(3, 'single-numa-node'), expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N06', node: twoZoneNode([2, 2]), pod: gpuPod(2, 'single-numa', { init: 3 }), expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N07', node: twoZoneNode([2, 2]), pod: gpuPod(1, 'single-numa', { init: 2 }), expect: { ok: true, zone: 'node-0' } },
  { id: 'N08', node: twoZoneNode([2, 2]), pod: gpuPod(1, 'single-numa', { sidecar: 1 }), expect: { ok: true, zone: 'node-0' } },
  { id: 'N09', node: twoZoneNode([2, 2]), pod: gpuPod(2, 'single-numa', { sidecar: 1 }), expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N10', node: twoZoneNode([2, 2]), pod: gpuPod(2, 'none', { sidecar: 1 }), expect: { ok: true } },
  { id: 'N11', node: twoZoneNode([4, 4]), pod: gpuPod(4, 'single-numa'), expect: { ok: true, zone: 'node-0' } },
  { id: 'N12', node: twoZoneNode([4, 4]), pod: gpuPod(5, 'single-numa'), expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N13', node: twoZoneNode([4, 4]), pod: gpuPod(8, 'none'), expect: { ok: true } },
  { id: 'N14', node: twoZoneNode([4, 4]), pod: gpuPod(4, 'single-numa', { cpu: '10' }), expect: { ok: false, numa: 'no_zone_fits', match: /cpu/ } },
  { id: 'N15', node: twoZoneNode([4, 4]), pod: gpuPod(4, 'single-numa', { cpu: '10', resources: 'nvidia.com/gpu' }), expect: { ok: true, zone: 'node-0' } },
  { id: 'N16', node: twoZoneNode([1, 1]), pod: gpuPod(1, 'single-numa'), expect: { ok: true, zone: 'node-0' } },
  { id: 'N17', node: twoZoneNode([1, 1]), pod: gpuPod(2, 'single-numa'), expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N18', node: twoZoneNode([0, 4]), pod: gpuPod(2, 'single-numa'), expect: { ok: true, zone: 'node-1' } },
  { id: 'N19', node: twoZoneNode([2, 2]), pod: gpuPod(2, 'single-numa'), usedInZone: [['node-0', 2]], expect: { ok: true, zone: 'node-1' } },
  { id: 'N20', node: twoZoneNode([2, 2]), pod: gpuPod(2, 'single-numa'), usedInZone: [['node-0', 1], ['node-1', 1]], expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N21', node: makeNode('n1').cpu('16').memory('64Gi').gpu(4).obj(), pod: gpuPod(1, 'single-numa'), expect: { ok: false, numa: 'no_topology', match: /no NUMA topology/ } },
  { id: 'N22', node: makeNode('n1').cpu('16').memory('64Gi').gpu(4).annotation('gangplank.io/numa-topology', '{not json').obj(), pod: gpuPod(1, 'single-numa'), expect: { ok: false, numa: 'no_topology', match: /malformed/ } },
  { id: 'N23', node: makeNode('n1').cpu('16').memory('64Gi').gpu(8).obj(), nrt: nrt([0, 4]), pod: gpuPod(4, 'single-numa'), expect: { ok: true, zone: 'node-1' } },
  { id: 'N24', node: makeNode('n1').cpu('16').memory('64Gi').gpu(8).obj(), nrt: nrt([4, 4]), staleTopology: 'NodeResourceTopology data is stale (300s old)', pod: gpuPod(1, 'single-numa'), expect: { ok: false, numa: 'stale_topology', match: /stale/ } },
  { id: 'N25', node: makeNode('n1').cpu('16').memory('64Gi').gpu(4).obj(), pod: gpuPod(1, 'none'), expect: { ok: true } },
  { id: 'N26', node: twoZoneNode([2, 2]), pod: gpuPod(2, 'single-numa'), reserveInZone: ['node-0', 2], expect: { ok: true, zone: 'node-1' } },
  { id: 'N27', node: twoZoneNode([2, 2]), pod: gpuPod(2, 'single-numa', { init: 2, sidecar: 1 }), expect: { ok: false, numa: 'no_zone_fits' } },
  // The node's kubelet policy, from its NRT (TESTS.md, second table).
  { id: 'N28', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4]), pod: guaranteed(4), expect: { ok: true, zone: 'node-0' } },
  { id: 'N29', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4]), pod: guaranteed(6), expect: { ok: false, numa: 'no_zone_fits', match: /needs 2 NUMA zones \(largest zone holds 4\)/ } },
  { id: 'N30', node: nrtNode(), nrt: nrtKubelet('none', [4, 4]), pod: guaranteed(6), expect: { ok: true } },
  { id: 'N31', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4]), pod: gpuPod(2, 'none', { cpu: '10' }), expect: { ok: true, zone: 'node-0' } },
  { id: 'N32', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4]), pod: guaranteed(2, '10'), expect: { ok: false, numa: 'no_zone_fits', match: /cpu 10 needs 2 NUMA zones \(largest zone holds 8\)/ } },
  { id: 'N33', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4]), pod: guaranteed(2, '9500m'), expect: { ok: true, zone: 'node-0' } },
  { id: 'N34', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [1, 4]), pod: guaranteed(2), expect: { ok: true, zone: 'node-1' } },
  { id: 'N35', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [3, 2]), pod: gpuPod(2, 'single-numa', { resources: 'nvidia.com/gpu' }), expect: { ok: true, zone: 'node-0' } },
  { id: 'N36', node: twoZoneNode([3, 2]), pod: gpuPod(2, 'single-numa', { resources: 'nvidia.com/gpu' }), expect: { ok: true, zone: 'node-1' } },
  { id: 'N37', node: nrtNode(), nrt: nrtKubelet('restricted', [4, 4]), pod: gpuPod(6, 'none'), expect: { ok: true, zone: 'node-0,node-1' } },
  { id: 'N38', node: nrtNode(), nrt: nrtKubelet('restricted', [4, 4]), pod: guaranteed(6, '4'), expect: { ok: false, numa: 'no_zone_fits', match: /no preferred hint/ } },
  { id: 'N39', node: nrtNode(), nrt: nrtKubelet('restricted', [4, 4]), pod: guaranteed(3), expect: { ok: true, zone: 'node-0' } },
  { id: 'N40', node: nrtNode(), nrt: nrtKubelet('restricted', [2, 2]), pod: guaranteed(3), expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N41', node: nrtNode(), nrt: nrtKubelet('best-effort', [4, 4]), pod: guaranteed(6, '2500m'), expect: { ok: true } },
  { id: 'N42', node: nrtNode(), nrt: nrtKubelet('best-effort', [1, 4]), pod: guaranteed(2), expect: { ok: true, zone: 'node-1' } },
  { id: 'N43', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4]), staleTopology: 'NodeResourceTopology data is stale (300s old)', pod: guaranteed(1), expect: { ok: false, numa: 'stale_topology', match: /stale/ } },
  { id: 'N44', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4]), pod: guaranteed(6, '2', { annotate: true }), expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N45', node: nrtNode(), nrt: nrtKubelet('restricted', [4, 4]), pod: gpuPod(6, 'single-numa', { resources: 'nvidia.com/gpu' }), expect: { ok: false, numa: 'no_zone_fits', match: /wants one NUMA zone/ } },
  { id: 'N49', node: nrtNode(), nrt: nrtKubelet('restricted', [4, 4]), pod: guaranteed(6, '2500m'), expect: { ok: false, numa: 'no_zone_fits', match: /nvidia.com\/gpu 6 needs 2 NUMA zones but memory 4Gi fits in 1/ } },
  { id: 'N46', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4]), pod: makePod('f').uid('uid-f').gpu(1, 'example.com/fpga').obj(), expect: { ok: true } },
  { id: 'N47', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4], { scope: 'container' }), pod: guaranteed(3, '2', { second: 3 }), expect: { ok: false, numa: 'no_zone_fits' } },
  { id: 'N48', node: nrtNode(), nrt: nrtKubelet('single-numa-node', [4, 4]), pod: gpuPod(1, 'none', { cpu: '1' }), reserveInZone: ['node-0', 4], expect: { ok: true, zone: 'node-1' } },
];

describe('NUMA fit matrix (src/numa/TESTS.md)', () => {
  it.each(rows)('$id', (row) => {
    const index = new CapacityIndex();
    if (row.nrt) index.upsertTopology(row.nrt);
    index.upsertNode(row.node);
    for (const [i, [zone, gpus]] of (row.usedInZone ?? []).entries()) {
      index.upsertPod(makePod(`used-${i}`).uid(`used-${i}`).gpu(gpus).nodeName('n1').phase('Running').annotation('gangplank.io/numa-zone', zone).obj());
    }
    const ledger = new Ledger({ assumeTtlMs: 30_000 });
    if (row.reserveInZone) {
      const [zone, gpus] = row.reserveInZone;
      ledger.plan(
        { id: { namespace: 'x', name: 'other', key: 'x/other' }, kind: 'driver-led', anchor: { name: 'd', uid: 'd' }, createdAt: 0, timeoutMs: 60_000, slots: [{ id: 'e0', role: 'executor', node: 'n1', zone, requests: { 'nvidia.com/gpu': gpus, pods: 1 } }] },
        0,
      );
    }
    const room = new Room(index, ledger, { staleTopology: row.staleTopology });
    const got = room.fits('n1', podUsage(row.pod), podNumaRequirement(row.pod, DEFAULT_RESOURCES));
    if (row.expect.ok) {
      expect(got).toEqual(row.expect.zone ? { ok: true, zone: row.expect.zone } : { ok: true });
    } else {
      expect(got.ok).toBe(false);
      if (!got.ok) {
        expect(got.numa).toBe(row.expect.numa);
        if (row.expect.match) expect(got.reason).toMatch(row.expect.match);
      }
    }
  });
});
