// Issue 10, item 5, on the real control plane: kube-scheduler's preemption
// with Gangplank's preempt verb (the chart's scheduler configuration
// registers it). PriorityClasses low and high; a high-priority pod needs room
// a low-priority gang holds. There is no kubelet: the scheduler's preemption
// marks each victim with the DisruptionTarget condition and deletes it
// through the API, and a bound pod's deletion then waits for a kubelet that
// never confirms it, so the victims stay Terminating (deletionTimestamp set)
// and the preemptor is nominated to the node. The test checks exactly that
// in the API, then plays the kubelet (force-deletes the victims) and sees the
// preemptor bound.
import type { V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePod } from '../support/pod.js';
import { useLocalCluster, type E2E } from './support/cluster.js';
import { bound, sleep } from './support/placement.js';

const terminating = (p: V1Pod): boolean => p.metadata?.deletionTimestamp !== undefined;
const preemptedByScheduler = (p: V1Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True');

async function priorityClass(e2e: E2E, name: string, value: number): Promise<void> {
  await e2e
    .client()
    .request({ method: 'POST', path: '/apis/scheduling.k8s.io/v1/priorityclasses', body: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, preemptionPolicy: 'PreemptLowerPriority' } })
    .catch((err: unknown) => {
      if (!String(err).includes('409')) throw err;
    });
}

const gangMember = (ns: string, name: string, gang: string, n: number, cpu: string): V1Pod => {
  const p = makePod(name).ns(ns).scheduler('gangplank-scheduler').gang(gang, n).requests({ cpu, memory: '1Gi' }).obj();
  p.spec!.priorityClassName = 'gangplank-e2e-low';
  return p;
};

const urgent = (ns: string, cpu: string): V1Pod => {
  const p = makePod('urgent').ns(ns).scheduler('gangplank-scheduler').requests({ cpu, memory: '1Gi' }).obj();
  p.spec!.priorityClassName = 'gangplank-e2e-high';
  return p;
};

async function forceDelete(e2e: E2E, ns: string, name: string): Promise<void> {
  await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${name}`, body: { gracePeriodSeconds: 0 } });
}

describe('preemption never splits a gang, on the real kube-scheduler', () => {
  const e2e = useLocalCluster({ gangplankConfig: { schedulerName: 'gangplank-scheduler', extender: { gangTimeoutSeconds: 300 } } });

  beforeAll(async () => {
    await priorityClass(e2e, 'gangplank-e2e-low', 10);
    await priorityClass(e2e, 'gangplank-e2e-high', 100000);
  });

  it('R1 a gang on one node is preempted whole: both members are victims, not the one kube-scheduler picked alone', async () => {
    const ns = await e2e.namespace('r1');
    await e2e.nodes('1x cpu=4,memory=16Gi');
    for (const m of ['pair-0', 'pair-1']) await e2e.createPod(gangMember(ns, m, 'pair', 2, '2'));
    for (const m of ['pair-0', 'pair-1']) await e2e.waitForPod(ns, m, 'to be bound', bound);
    // kube-scheduler alone would evict one member: 2 cpu is all the preemptor needs.
    await e2e.createPod(urgent(ns, '2'));
    const nominated = await e2e.waitForPod(ns, 'urgent', 'to be nominated to the node', (p) => !!p.status?.nominatedNodeName, 60_000);
    const victims = [await e2e.waitForPod(ns, 'pair-0', 'to be evicted', terminating), await e2e.waitForPod(ns, 'pair-1', 'to be evicted', terminating)];
    for (const v of victims) expect(preemptedByScheduler(v), `${v.metadata?.name} carries DisruptionTarget`).toBe(true);
    expect(nominated.status?.nominatedNodeName).toBe(victims[0]?.spec?.nodeName);
    // The kubelet would confirm the deletions; the preemptor then takes the room.
    for (const m of ['pair-0', 'pair-1']) await forceDelete(e2e, ns, m);
    const placed = await e2e.waitForPod(ns, 'urgent', 'to be bound once the gang is gone', bound, 60_000);
    expect(placed.spec?.nodeName).toBe(nominated.status?.nominatedNodeName);
  });

  it('R2 a gang across two nodes cannot be preempted whole from one node: nothing is evicted, the high-priority pod waits', async () => {
    const ns = await e2e.namespace('r2');
    await e2e.nodes('2x cpu=2,memory=16Gi');
    for (const m of ['wide-0', 'wide-1']) await e2e.createPod(gangMember(ns, m, 'wide', 2, '2'));
    const members = [await e2e.waitForPod(ns, 'wide-0', 'to be bound', bound), await e2e.waitForPod(ns, 'wide-1', 'to be bound', bound)];
    expect(new Set(members.map((p) => p.spec?.nodeName)).size).toBe(2);
    await e2e.createPod(urgent(ns, '2'));
    // kube-scheduler tries preemption on every attempt; each time the extender refuses both nodes.
    await e2e.waitForPod(ns, 'urgent', 'to be found unschedulable', (p) => (p.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'False'), 30_000);
    const deadline = Date.now() + 6_000;
    while (Date.now() < deadline) {
      for (const m of ['wide-0', 'wide-1']) {
        const p = await e2e.getPod(ns, m);
        expect(terminating(p), `${m} must not be evicted`).toBe(false);
        expect(preemptedByScheduler(p), `${m} must not be marked for preemption`).toBe(false);
      }
      const u = await e2e.getPod(ns, 'urgent');
      expect(u.spec?.nodeName).toBeFalsy();
      expect(u.status?.nominatedNodeName).toBeFalsy();
      await sleep(500);
    }
  });
});
