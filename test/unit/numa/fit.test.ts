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
