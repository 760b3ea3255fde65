// Issue 10, the native Workload API, on the real control plane: Kubernetes
// 1.37 (the default control plane, test/controlplane/v1.37) with the beta gate
// GenericWorkload on the API server, the default scheduler and the chart's
// scheduler (value scheduler.featureGates), and scheduling.k8s.io/v1beta1
// enabled. Pods join a native PodGroup with spec.schedulingGroup.podGroupName;
// kube-scheduler schedules a gang PodGroup in one PodGroup cycle, calling the
// extender's filter for each member speculatively. Gangplank plans the group
// against its reservations but holds nothing until a member's bind commits
// the group (src/gang/native.ts; docs/extender.md, "Native PodGroups").
// This file needs 1.37: CI runs it on the default control plane only.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/cluster/process.js';
import { makePod } from '../support/pod.js';
import { metricValue, useLocalCluster, type E2E } from './support/cluster.js';
import { driverPod, executorPod } from './support/spark.js';
import { bound, staysPending } from './support/placement.js';

const GATES = '--feature-gates=GenericWorkload=true';
const API = '/apis/scheduling.k8s.io/v1beta1';

async function podGroup(e2e: E2E, ns: string, name: string, minCount: number): Promise<void> {
  await e2e.client().request({
    method: 'POST',
    path: `${API}/namespaces/${ns}/podgroups`,
    body: { apiVersion: 'scheduling.k8s.io/v1beta1', kind: 'PodGroup', metadata: { name, namespace: ns }, spec: { schedulingPolicy: { gang: { minCount } } } },
  });
}

function member(ns: string, name: string, group: string, cpu = '1'): V1Pod {
  const p = makePod(name).ns(ns).scheduler('gangplank-scheduler').requests({ cpu, memory: '1Gi' }).obj();
  (p.spec as { schedulingGroup?: { podGroupName: string } }).schedulingGroup = { podGroupName: group };
  return p;
}

describe('native PodGroups (scheduling.k8s.io/v1beta1, GenericWorkload on), on the real kube-scheduler', () => {
  const e2e = useLocalCluster({
    apiserverArgs: [GATES, '--runtime-config=scheduling.k8s.io/v1beta1=true'],
    schedulerArgs: [GATES],
    values: { scheduler: { featureGates: { GenericWorkload: true } } },
    gangplankConfig: { schedulerName: 'gangplank-scheduler', extender: { gangTimeoutSeconds: 300, sparkConfigWaitSeconds: 1 } },
  });

  it('NW0 runs on Kubernetes 1.37 with the native PodGroup API served and watched by the extender', async () => {
    expect(e2e.cluster().plane.version).toMatch(/^v1\.37\./);
    await waitFor(
      'the extender watching native PodGroups',
      async () => metricValue((await e2e.cluster().ops('/metrics')).body, 'gangplank_cache_synced', { resource: 'podgroups.scheduling.k8s.io' }) === 1,
      30_000,
      () => '',
      250,
    );
  });

  it('NW1 places a native PodGroup of 3 whole once all exist; the first bind commits it (its plan on the first-bound member)', async () => {
    const ns = await e2e.namespace('nw1');
    await e2e.nodes('2x cpu=2,memory=8Gi');
    await podGroup(e2e, ns, 'trio', 3);
    await e2e.createPod(member(ns, 'trio-0', 'trio'));
    await e2e.createPod(member(ns, 'trio-1', 'trio'));
    await staysPending(e2e, ns, 'trio-0', 2_000);
    await e2e.createPod(member(ns, 'trio-2', 'trio'));
    const pods: V1Pod[] = [];
    for (let i = 0; i < 3; i++) pods.push(await e2e.waitForPod(ns, `trio-${i}`, 'to be bound', bound, 60_000));
    for (const p of pods) expect(p.metadata?.annotations?.['gangplank.io/gang']).toBe(`${ns}/trio`);
    const records = pods.filter((p) => p.metadata?.annotations?.['gangplank.io/gang-record'] !== undefined);
    expect(records).toHaveLength(1);
    const record = JSON.parse(records[0]?.metadata?.annotations?.['gangplank.io/gang-record'] ?? '{}') as { kind: string; slots: { node: string; pod: string }[] };
    expect(record.kind).toBe('co-created');
    // Each member landed where the committed plan put it.
    for (const p of pods) expect(record.slots.find((s) => s.pod === p.metadata?.uid)?.node).toBe(p.spec?.nodeName);
  });

  it('NW2 a native PodGroup that fits only by taking a Spark gang\'s reserved room is not placed, and its speculative cycles hold nothing', async () => {
    const ns = await e2e.namespace('nw2');
    await e2e.nodes('2x cpu=2,memory=8Gi');
    // A driver and 2 executors of 1 cpu: 3 of the 4 cpu, 2 of them reserved for executors not yet created.
    const spec = { ns, app: 'pi', executors: 2 };
    await e2e.createPod(driverPod(spec));
    const driver = await e2e.waitForPod(ns, 'pi-driver', 'to be bound', bound);
    // kube-scheduler sees 3 cpu free; Gangplank knows 2 of them are held. A group of 2 needs 2.
    await podGroup(e2e, ns, 'duo', 2);
    await e2e.createPod(member(ns, 'duo-0', 'duo'));
    await e2e.createPod(member(ns, 'duo-1', 'duo'));
    await staysPending(e2e, ns, 'duo-0', 4_000);
    expect((await e2e.getPod(ns, 'duo-1')).spec?.nodeName).toBeFalsy();
    // The group's failed cycles left no room held: the one free cpu goes to a pod in no gang.
    await e2e.createPod(makePod('solo').ns(ns).scheduler('gangplank-scheduler').requests({ cpu: '1', memory: '1Gi' }).obj());
    await e2e.waitForPod(ns, 'solo', 'to be bound in the one unreserved cpu', bound, 30_000);
    // The executors still find their slots.
    for (let i = 1; i <= 2; i++) await e2e.createPod(executorPod(spec, driver, i));
    for (let i = 1; i <= 2; i++) await e2e.waitForPod(ns, `pi-exec-${i}`, 'to be bound into its reservation', bound, 30_000);
    expect((await e2e.getPod(ns, 'duo-0')).spec?.nodeName).toBeFalsy();
  });
});
