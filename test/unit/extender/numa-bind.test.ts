// /bind on NRT nodes (issue 12): the zone recorded is the one the node's
// kubelet will pick, and a pod the scheduler binds before our informer has
// delivered it is still bound with its zone and counted against it.
import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bind } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { prioritize } from '../../../src/extender/verbs/prioritize.js';
import type { ExtenderFilterResult } from '../../../src/k8s/wire.js';
import type { NodeResourceTopology } from '../../../src/numa/topology.js';
import { makeState, type TestState } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const log = pino({ level: 'silent' });
const GPU = 'nvidia.com/gpu';

function nrt(avail: [number, number]): NodeResourceTopology {
  return {
    metadata: { name: 'gpu-0' },
    topologyPolicies: ['SingleNUMANodePodLevel'],
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

const pod = (name: string, gpus: number): V1Pod => makePod(name).ns('ml').uid(`uid-${name}`).scheduler('gangplank-scheduler').requests({ cpu: '2', memory: '4Gi' }).limits({ cpu: '2', memory: '4Gi' }).gpu(gpus).obj();

function filter(ts: TestState, p: V1Pod): ExtenderFilterResult {
  return createFilterVerb(ts.state).handle({ Pod: p, NodeNames: ['gpu-0'] }, log) as ExtenderFilterResult;
}

const zoneFree = (ts: TestState): number[] => (ts.state.index.node('gpu-0')?.zones ?? []).map((z) => z.free[GPU] ?? 0);

describe('bind on a node whose NRT names a topology-manager policy', () => {
  it('binds a pod our informer has not delivered yet with its zone, and counts it at once', async () => {
    const ts = makeState({ nodes: [makeNode('gpu-0').cpu('32').memory('128Gi').gpu(8).obj()], topologies: [nrt([4, 4])] });
    const a = pod('a', 3);
    expect(filter(ts, a).NodeNames).toEqual(['gpu-0']);
    // The pod cache never saw it: bind from what filter was sent.
    await bind(ts.state, { PodName: 'a', PodNamespace: 'ml', PodUID: 'uid-a', Node: 'gpu-0' });
    expect(ts.binder.bindings[0]?.annotations['gangplank.io/numa-zone']).toBe('node-0');
    expect(zoneFree(ts)).toEqual([1, 4]);
    const b = pod('b', 3);
    expect(filter(ts, b).NodeNames).toEqual(['gpu-0']);
    await bind(ts.state, { PodName: 'b', PodNamespace: 'ml', PodUID: 'uid-b', Node: 'gpu-0' });
    expect(ts.binder.bindings[1]?.annotations['gangplank.io/numa-zone']).toBe('node-1');
    // A third 2-GPU pod: 2 GPUs free on the node, none in one zone.
    const c = filter(ts, pod('c', 2));
    expect(c.NodeNames).toEqual([]);
    expect(c.FailedNodes?.['gpu-0']).toMatch(/no single NUMA zone holds \{cpu 2, memory 4Gi, nvidia.com\/gpu 2\}.*most free in one zone: \{cpu 14, memory 60Gi, nvidia.com\/gpu 1\}/);
  });

  it('records the zone the kubelet will pick, which ignores our reservations', async () => {
    const ts = makeState({ nodes: [makeNode('gpu-0').cpu('32').memory('128Gi').gpu(8).obj()], topologies: [nrt([4, 4])] });
    // Another gang holds node-0's GPUs; the kubelet does not know and will put a 2-GPU pod there.
    ts.state.ledger.plan(
      { id: { namespace: 'x', name: 'g', key: 'x/g' }, kind: 'driver-led', anchor: { name: 'd', uid: 'd' }, createdAt: 0, timeoutMs: 600_000, slots: [{ id: 'e0', role: 'executor', node: 'gpu-0', zone: 'node-0', requests: { [GPU]: 2, pods: 1 } }] },
      ts.clock.now,
    );
    const p = pod('p', 2);
    ts.addPod(p);
    expect(filter(ts, p).NodeNames).toEqual(['gpu-0']);
    await bind(ts.state, { PodName: 'p', PodNamespace: 'ml', PodUID: 'uid-p', Node: 'gpu-0' });
    expect(ts.binder.bindings[0]?.annotations['gangplank.io/numa-zone']).toBe('node-0');
    // Counted in node-0 (where it is), the reservation still held there: the gang's executor goes to node-1 when it comes.
    expect(zoneFree(ts)).toEqual([0, 4]);
  });
});

describe('prioritize keeps whole zones free for the pods that need them', () => {
  it('scores a node where a 2-GPU pod fills a partly used zone above one where it would break a whole zone', () => {
    const whole = nrt([4, 4]);
    const partly = { ...nrt([2, 4]), metadata: { name: 'gpu-1' } };
    const ts = makeState({
      nodes: [makeNode('gpu-0').cpu('32').memory('128Gi').gpu(8).obj(), makeNode('gpu-1').cpu('32').memory('128Gi').gpu(8).obj()],
      topologies: [whole, partly],
    });
    const scores = prioritize(ts.state, pod('p', 2), ['gpu-0', 'gpu-1']);
    const [a, b] = scores.map((s) => s.Score);
    expect(b).toBeGreaterThan(a as number);
  });
});
