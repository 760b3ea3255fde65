// Zone accounting with a lagging exporter (src/numa/TESTS.md, R rows; ADR
// 0004): every pod bound on an NRT node counts against the zones until the
// exporter's data is known to include it. And a property: with an exporter
// that lags by any amount, the kubelet never has to refuse a pod we bound.
import type { V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CapacityIndex, podUsage } from '../../../src/gang/capacity.js';
import { Ledger } from '../../../src/gang/ledger.js';
import { demand, Room } from '../../../src/gang/room.js';
import { podSetFingerprint } from '../../../src/numa/fingerprint.js';
import { podNumaRequirement } from '../../../src/numa/policy.js';
import type { NodeResourceTopology } from '../../../src/numa/topology.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const GPU = 'nvidia.com/gpu';
const NS = 'spark';

interface NrtOpts {
  /** The fingerprint attribute: the names of the pods it covers, or null for none at all. */
  fp?: readonly string[] | null;
  method?: string;
  policy?: string;
}

function nrt(avail: readonly number[], opts: NrtOpts = {}): NodeResourceTopology {
  const attributes = [
    { name: 'topologyManagerPolicy', value: opts.policy ?? 'single-numa-node' },
    { name: 'topologyManagerScope', value: 'pod' },
  ];
  if (opts.fp !== null) attributes.push({ name: 'nodeTopologyPodsFingerprint', value: podSetFingerprint((opts.fp ?? []).map((name) => ({ namespace: NS, name }))) });
  if (opts.method) attributes.push({ name: 'nodeTopologyPodsFingerprintMethod', value: opts.method });
  return {
    metadata: { name: 'n1' },
    topologyPolicies: [],
    attributes,
    zones: avail.map((a, i) => ({
      name: `node-${i}`,
      type: 'Node',
      resources: [
        { name: 'cpu', capacity: '16', allocatable: '16', available: '16' },
        { name: 'memory', capacity: '64Gi', allocatable: '64Gi', available: '64Gi' },
        { name: GPU, capacity: '4', allocatable: '4', available: String(a) },
      ],
    })),
  };
}

/** A Guaranteed GPU pod (whole CPUs) of the test's namespace, bound to n1 unless `node` is ''. */
function gpuPod(name: string, opts: { gpus?: number; zone?: string; phase?: 'Pending' | 'Running'; node?: string; burstable?: boolean; noGpu?: boolean } = {}): V1Pod {
  const b = makePod(name).ns(NS).uid(`uid-${name}`);
  if (opts.burstable) b.requests({ cpu: '1', memory: '1Gi' });
  else b.requests({ cpu: '2', memory: '4Gi' }).limits({ cpu: '2', memory: '4Gi' });
  if (!opts.noGpu) b.gpu(opts.gpus ?? 4);
  if (opts.node !== '') b.nodeName(opts.node ?? 'n1');
  if (opts.zone) b.annotation('gangplank.io/numa-zone', opts.zone);
  b.phase(opts.phase ?? 'Pending');
  return b.obj();
}

function setup(first: NodeResourceTopology, now = { t: 0 }): { index: CapacityIndex; now: { t: number } } {
  const index = new CapacityIndex({ clock: () => now.t, settleMs: 10_000 });
  index.upsertNode(makeNode('n1').cpu('32').memory('128Gi').gpu(8).obj());
  index.upsertTopology(first);
  return { index, now };
}

const free = (index: CapacityIndex): number[] => (index.node('n1')?.zones ?? []).map((z) => z.free[GPU] ?? 0);

function fitsZone(index: CapacityIndex, pod: V1Pod): string | false {
  const f = new Room(index, new Ledger({ assumeTtlMs: 30_000 })).fits('n1', podUsage(pod), podNumaRequirement(pod, ['cpu', 'memory', GPU]));
  return f.ok ? (f.zone ?? '') : false;
}

describe('NRT zone accounting with a lagging exporter (src/numa/TESTS.md)', () => {
  it('R01 exporter never updates: bound pods stay counted, a zone is never filled twice', () => {
    const { index } = setup(nrt([4, 4]));
    expect(fitsZone(index, gpuPod('a', { node: '' }))).toBe('node-0');
    index.upsertPod(gpuPod('a', { zone: 'node-0' }));
    expect(free(index)).toEqual([0, 4]);
    expect(fitsZone(index, gpuPod('b', { node: '' }))).toBe('node-1');
    index.upsertPod(gpuPod('b', { zone: 'node-1', phase: 'Running' }));
    index.upsertPod(gpuPod('a', { zone: 'node-0', phase: 'Running' }));
    // B is charged to node-1 and, as the kubelet could have put it lower, node-0 too (R12).
    expect(free(index)).toEqual([-4, 0]);
    expect(fitsZone(index, gpuPod('c', { node: '' }))).toBe(false);
  });

  it('R02 exporter late: its update with the fingerprint of the running pods resyncs, the pod is counted once', () => {
    const { index } = setup(nrt([4, 4]));
    index.upsertPod(gpuPod('a', { zone: 'node-0', phase: 'Running' }));
    expect(free(index)).toEqual([0, 4]);
    index.upsertTopology(nrt([0, 4], { fp: ['a'] }));
    expect(index.lastSync).toMatchObject({ outcome: 'match', included: 1, pending: 0 });
    expect(free(index)).toEqual([0, 4]);
    expect(index.pendingOn('n1')).toEqual([]);
  });

  it('R03 exporter late but ahead of our cache: the pod stays counted until we see it run, never more free than real', () => {
    const { index } = setup(nrt([4, 4]));
    index.upsertPod(gpuPod('a', { zone: 'node-0' }));
    index.upsertTopology(nrt([0, 4], { fp: ['a'] }));
    expect(index.lastSync?.outcome).toBe('mismatch');
    expect(free(index)).toEqual([-4, 4]);
    index.upsertPod(gpuPod('a', { zone: 'node-0', phase: 'Running' }));
    expect(free(index)).toEqual([0, 4]);
  });

  it('R04 exporter early: an update that does not include the new pod does not free its zone', () => {
    const { index } = setup(nrt([4, 4]));
    index.upsertPod(gpuPod('a', { zone: 'node-0' }));
    index.upsertTopology(nrt([4, 4], { fp: [] }));
    // The fingerprint matches what runs (nothing): those pods are resynced, A is not among them.
    expect(index.lastSync).toMatchObject({ outcome: 'match', included: 0, pending: 1 });
    expect(free(index)).toEqual([0, 4]);
    expect(fitsZone(index, gpuPod('b', { node: '' }))).toBe('node-1');
  });

  it('R05 exporter early, then the pod runs: the old fingerprint no longer matches, the pod stays counted', () => {
    const { index } = setup(nrt([4, 4]));
    index.upsertPod(gpuPod('a', { zone: 'node-0' }));
    index.upsertTopology(nrt([4, 4], { fp: [] }));
    index.upsertPod(gpuPod('a', { zone: 'node-0', phase: 'Running' }));
    expect(free(index)).toEqual([0, 4]);
  });

  it('R06 an exporter update that empties a zone is respected at once', () => {
    const { index } = setup(nrt([4, 4]));
    index.upsertTopology(nrt([4, 0], { fp: [] }));
    expect(free(index)).toEqual([4, 0]);
    expect(fitsZone(index, gpuPod('a', { node: '' }))).toBe('node-0');
    index.upsertPod(gpuPod('a', { zone: 'node-0' }));
    expect(fitsZone(index, gpuPod('b', { node: '' }))).toBe(false);
  });

  it('R07 a deleted pod frees its zone when the exporter says so, not before', () => {
    const { index } = setup(nrt([4, 4]));
    index.upsertPod(gpuPod('a', { zone: 'node-0', phase: 'Running' }));
    index.upsertTopology(nrt([0, 4], { fp: ['a'] }));
    index.deletePod(gpuPod('a'));
    expect(free(index)).toEqual([0, 4]);
    index.upsertTopology(nrt([4, 4], { fp: [] }));
    expect(free(index)).toEqual([4, 4]);
  });

  it('R08 a pod whose zone the kubelet chose unseen is charged to every zone (policy none)', () => {
    const { index } = setup(nrt([4, 4], { policy: 'none' }));
    index.upsertPod(gpuPod('b', { gpus: 2, burstable: true }));
    expect(free(index)).toEqual([2, 2]);
    index.upsertTopology(nrt([2, 4], { policy: 'none', fp: [] }));
    expect(free(index)).toEqual([0, 2]);
  });

  it('R09 no fingerprint: an update counts a pod as included once it arrives settleMs after we saw the pod run', () => {
    const { index, now } = setup(nrt([4, 4], { fp: null }));
    index.upsertPod(gpuPod('a', { zone: 'node-0', phase: 'Running' }));
    now.t = 5_000;
    index.upsertTopology(nrt([0, 4], { fp: null }));
    expect(index.lastSync?.outcome).toBe('no_fingerprint');
    expect(free(index)).toEqual([-4, 4]);
    now.t = 11_000;
    index.upsertTopology(nrt([0, 4], { fp: null }));
    expect(index.lastSync).toMatchObject({ outcome: 'settled', included: 1 });
    expect(free(index)).toEqual([0, 4]);
  });

  it('R10 no fingerprint: a pod never seen running stays counted', () => {
    const { index, now } = setup(nrt([4, 4], { fp: null }));
    index.upsertPod(gpuPod('a', { zone: 'node-0' }));
    for (const t of [20_000, 60_000, 600_000]) {
      now.t = t;
      index.upsertTopology(nrt([4, 4], { fp: null }));
      expect(free(index)).toEqual([0, 4]);
    }
  });

  it('R11 fingerprint method with-exclusive-resources covers only pods holding exclusive resources', () => {
    const { index } = setup(nrt([4, 4]));
    index.upsertPod(gpuPod('a', { zone: 'node-0', phase: 'Running' }));
    index.upsertPod(gpuPod('web', { burstable: true, noGpu: true, phase: 'Running' }));
    index.upsertTopology(nrt([0, 4], { fp: ['a'], method: 'with-exclusive-resources' }));
    expect(index.lastSync?.outcome).toBe('match');
    expect(free(index)).toEqual([0, 4]);
    // The same fingerprint under method all leaves out a running pod: no match.
    index.upsertPod(gpuPod('b', { zone: 'node-1', phase: 'Running' }));
    index.upsertTopology(nrt([0, 0], { fp: ['a', 'b'] }));
    expect(index.lastSync?.outcome).toBe('mismatch');
  });

  it('R12 where the kubelet picks, a pod recorded in a zone is charged to it and every lower zone', () => {
    const { index } = setup(nrt([4, 4]));
    index.upsertPod(gpuPod('b', { gpus: 2, zone: 'node-1' }));
    expect(free(index)).toEqual([2, 2]);
    index.upsertPod(gpuPod('a', { gpus: 2, zone: 'node-0' }));
    expect(free(index)).toEqual([0, 2]);
  });

  it('R13 a pod we bound counts from the bind (assumed), and stops when the assumption expires unbound', () => {
    const { index } = setup(nrt([4, 4]));
    const pod = gpuPod('a', { node: '' });
    index.assume('uid-a', 'n1', 'node-0', podUsage(pod), 30_000, pod);
    expect(free(index)).toEqual([0, 4]);
    index.expire(30_000);
    expect(free(index)).toEqual([4, 4]);
  });

  it('R14 when the CRD goes, nodes fall back to their annotation (or have no topology)', () => {
    const { index } = setup(nrt([4, 4]));
    index.upsertPod(gpuPod('a', { zone: 'node-0' }));
    index.upsertNode(makeNode('n1').cpu('32').memory('128Gi').gpu(8).numaZones([{ name: 'socket', resources: { cpu: '32', memory: '128Gi', [GPU]: '8' } }]).obj());
    expect(index.node('n1')?.topology.ok && index.node('n1')?.topology).toMatchObject({ topology: { source: 'nrt' } });
    index.clearTopologies();
    expect(index.node('n1')?.topology).toMatchObject({ ok: true, topology: { source: 'annotation' } });
    // The annotation's zone has no pod Gangplank placed in it: all 8 GPUs free.
    expect(index.node('n1')?.zones.map((z) => z.free[GPU])).toEqual([8]);
    expect(index.pendingOn('n1')).toEqual([]);
  });
});

describe('the kubelet never has to refuse a pod we bound, however the exporter lags (property)', () => {
  type Cmd = { k: 'submit'; gpus: number; burstable: boolean } | { k: 'admit' } | { k: 'export' } | { k: 'delete'; i: number };
  const cmd = fc.oneof(
    fc.record({ k: fc.constant('submit' as const), gpus: fc.integer({ min: 1, max: 4 }), burstable: fc.boolean() }),
    fc.record({ k: fc.constant('admit' as const) }),
    fc.record({ k: fc.constant('export' as const) }),
    fc.record({ k: fc.constant('delete' as const), i: fc.nat(20) }),
  );

  it('no zone is ever over-committed on the node, and what we count free never exceeds what is free', () => {
    let placed = 0;
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 40 }), fc.constantFrom(2, 3), (cmds: Cmd[], zones: number) => {
        const truth = Array.from({ length: zones }, () => 4);
        const { index } = setup(nrt(truth));
        const ledger = new Ledger({ assumeTtlMs: 30_000 });
        const bound: { pod: V1Pod; gpus: number; admitted?: number }[] = [];
        let n = 0;
        for (const c of cmds) {
          if (c.k === 'submit') {
            const pod = gpuPod(`p${n++}`, { gpus: c.gpus, burstable: c.burstable, node: '' });
            // As the extender's filter and bind do.
            const room = new Room(index, ledger);
            const d = demand(podUsage(pod), podNumaRequirement(pod, ['cpu', 'memory', GPU]));
            const f = room.fitsDemand('n1', d);
            if (!f.ok) continue;
            const zone = room.kubeletZone('n1', d) ?? f.zone;
            expect(zone).toBeDefined();
            pod.metadata!.annotations!['gangplank.io/numa-zone'] = zone as string;
            pod.spec!.nodeName = 'n1';
            index.assume(pod.metadata!.uid!, 'n1', zone, podUsage(pod), Infinity, pod);
            index.upsertPod(pod);
            bound.push({ pod, gpus: c.gpus });
            placed++;
          } else if (c.k === 'admit') {
            // The kubelet admits pods in bind order, each in the lowest zone that holds it (single-numa-node).
            const next = bound.find((b) => b.admitted === undefined);
            if (!next) continue;
            const z = truth.findIndex((free) => free >= next.gpus);
            expect(z, 'the kubelet would refuse a pod Gangplank bound').toBeGreaterThanOrEqual(0);
            truth[z] = (truth[z] as number) - next.gpus;
            next.admitted = z;
            next.pod.status = { phase: 'Running' };
            index.upsertPod(structuredClone(next.pod));
          } else if (c.k === 'export') {
            // The exporter publishes what is true now, with the fingerprint of the running pods.
            const running = bound.filter((b) => b.admitted !== undefined).map((b) => b.pod.metadata!.name!);
            index.upsertTopology(nrt(truth, { fp: running }));
          } else if (bound.length > 0) {
            const [gone] = bound.splice(c.i % bound.length, 1);
            if (gone?.admitted !== undefined) truth[gone.admitted] = (truth[gone.admitted] as number) + gone.gpus;
            index.deletePod(gone!.pod);
          }
          free(index).forEach((counted, z) => expect(counted, `zone ${z}: counted free ≤ real free`).toBeLessThanOrEqual(truth[z] as number));
        }
      }),
      { numRuns: 300 },
    );
    expect(placed, 'the property must exercise placements').toBeGreaterThan(200);
  });
});
