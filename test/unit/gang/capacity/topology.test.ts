// NrtAccounting (src/gang/capacity/topology.ts) on its own: pods the
// exporter does not count yet are charged to an NRT node's zones until its
// data is known to include them (ADR 0004; the index-level matrix is in
// test/unit/numa/accounting.test.ts).
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Assumed } from '../../../../src/gang/capacity/assumed.js';
import { NodeTable } from '../../../../src/gang/capacity/nodes.js';
import { PodTable } from '../../../../src/gang/capacity/pods.js';
import { NrtAccounting } from '../../../../src/gang/capacity/topology.js';
import { makeNode } from '../../../support/node.js';
import { GPU, gpuPod, nrt, roomInputs } from './support.js';

const noDrivers = { gangOfDriverUid: () => undefined, gangOfSelector: () => undefined };

function setup(): { acct: NrtAccounting; nodes: NodeTable; now: { t: number }; bind(pod: V1Pod): void; assumed: Map<string, Assumed>; gpus(): number[] } {
  const now = { t: 0 };
  const pods = new PodTable();
  const assumed = new Map<string, Assumed>();
  // The table reads the accounting's charges and NRTs only once both exist.
  const nodes: NodeTable = new NodeTable(roomInputs({ pendingOn: (n) => acct.charges(n), nrt: (n) => acct.nrt(n) }));
  const acct: NrtAccounting = new NrtAccounting({ nodes, pods, assumed }, { clock: () => now.t, settleMs: 1000 });
  nodes.upsert(makeNode('n1').cpu('32').gpu(8).obj());
  return {
    acct,
    nodes,
    now,
    assumed,
    bind: (pod) => {
      const uid = pod.metadata?.uid as string;
      const before = pods.remove(uid)?.node;
      acct.podChanged(pods.add(uid, pod, noDrivers), before);
    },
    gpus: () => (nodes.get('n1')?.zones ?? []).map((z) => z.free[GPU] ?? 0),
  };
}

describe('NrtAccounting', () => {
  it('charges a bound pod to every zone until a matching fingerprint includes it', () => {
    const s = setup();
    s.acct.upsert(nrt('n1', [4, 4]));
    s.bind(gpuPod('a', 2, { node: 'n1' }));
    expect(s.acct.pendingOn('n1')).toEqual(['uid-a']);
    expect(s.gpus()).toEqual([2, 2]);

    s.acct.upsert(nrt('n1', [2, 4], ['other']));
    expect(s.acct.lastSync).toMatchObject({ outcome: 'mismatch', pending: 1 });
    expect(s.gpus()).toEqual([0, 2]);

    s.acct.upsert(nrt('n1', [2, 4], ['a']));
    expect(s.acct.lastSync).toEqual({ node: 'n1', outcome: 'match', included: 1, pending: 0 });
    expect(s.gpus()).toEqual([2, 4]);
    // Included pods are not charged again by later changes.
    s.bind(gpuPod('a', 2, { node: 'n1' }));
    expect(s.acct.pendingOn('n1')).toEqual([]);
  });

  it('charges up to the recorded zone where the kubelet aligns pods, every zone where it does not', () => {
    const s = setup();
    s.acct.upsert(nrt('n1', [4, 4]));
    s.bind(gpuPod('a', 1, { node: 'n1', zone: 'node-0' }));
    expect(s.gpus()).toEqual([3, 4]);
    s.bind(gpuPod('b', 1, { node: 'n1', zone: 'node-1' }));
    expect(s.gpus()).toEqual([2, 3]);
    s.acct.upsert(nrt('n1', [4, 4], [], 'none'));
    s.bind(gpuPod('c', 1, { node: 'n1', zone: 'node-1' }));
    expect(s.gpus()).toEqual([1, 2]);
  });

  it('without a fingerprint, includes pods seen running settleMs before an update, and only then', () => {
    const s = setup();
    s.acct.upsert(nrt('n1', [4, 4], null));
    s.bind(gpuPod('a', 1, { node: 'n1', phase: 'Pending' }));
    s.now.t = 5000;
    s.acct.upsert(nrt('n1', [4, 4], null));
    expect(s.acct.lastSync?.outcome).toBe('no_fingerprint'); // never seen running
    s.bind(gpuPod('a', 1, { node: 'n1', phase: 'Running' }));
    s.now.t = 5999;
    s.acct.upsert(nrt('n1', [3, 4], null));
    expect(s.acct.pendingOn('n1')).toEqual(['uid-a']);
    s.now.t = 6000;
    s.acct.upsert(nrt('n1', [3, 4], null));
    expect(s.acct.lastSync).toMatchObject({ outcome: 'settled', included: 1, pending: 0 });
    expect(s.gpus()).toEqual([3, 4]);
  });

  it('an NRT that appears charges pods already there, bound and assumed; one that goes drops them', () => {
    const s = setup();
    s.bind(gpuPod('a', 1, { node: 'n1' }));
    s.assumed.set('uid-b', { node: 'n1', usage: {}, expiresAt: 1, pod: gpuPod('b', 2) });
    expect(s.acct.pendingOn('n1')).toEqual([]);
    s.acct.upsert(nrt('n1', [4, 4]));
    expect(s.acct.pendingOn('n1').sort()).toEqual(['uid-a', 'uid-b']);
    expect(s.gpus()).toEqual([1, 1]);
    expect(s.acct.nodes()).toEqual(['n1']);

    s.acct.delete('n1');
    expect(s.acct.nodes()).toEqual([]);
    expect(s.acct.pendingOn('n1')).toEqual([]);
    expect(s.nodes.get('n1')?.topology.ok).toBe(false);
  });

  it('an assumed pod is charged until forgotten, and stays charged when the cache shows it bound there', () => {
    const s = setup();
    s.acct.upsert(nrt('n1', [4, 4]));
    s.acct.assumed('uid-a', 'n1', 'node-0', gpuPod('a', 1));
    expect(s.gpus()).toEqual([3, 4]);
    s.acct.forgotten('uid-a', 'n1');
    expect(s.gpus()).toEqual([4, 4]);

    s.acct.assumed('uid-b', 'n1', 'node-0', gpuPod('b', 1));
    s.bind(gpuPod('b', 1, { node: 'n1', zone: 'node-0' }));
    s.acct.forgotten('uid-b', 'n1');
    expect(s.acct.pendingOn('n1')).toEqual(['uid-b']);
    expect(s.gpus()).toEqual([3, 4]);

    s.acct.podDeleted('uid-b', 'n1');
    expect(s.gpus()).toEqual([4, 4]);
  });

  it('a pod that moves or ends stops being charged where it was', () => {
    const s = setup();
    s.acct.upsert(nrt('n1', [4, 4]));
    s.bind(gpuPod('a', 1, { node: 'n1' }));
    s.bind(gpuPod('a', 1, { node: 'n1', phase: 'Succeeded' }));
    expect(s.gpus()).toEqual([4, 4]);
    s.bind(gpuPod('b', 1, { node: 'n1' }));
    s.bind(gpuPod('b', 1, {}));
    expect(s.acct.pendingOn('n1')).toEqual([]);
    expect(s.gpus()).toEqual([4, 4]);
  });
});
