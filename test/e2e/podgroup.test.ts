// Issue 10, items 1-3, on the real control plane: scheduler-plugins PodGroups
// (test/fixtures/crds/podgroup.yaml, installed after Gangplank has started:
// the extender discovers the API) and spark-operator's kube-scheduler batch
// scheduler, whose PodGroup shape (`<app>-pg`, controlled by the
// SparkApplication, minMember 1, minResources = driver + executors; the
// label scheduling.x-k8s.io/pod-group on the application and so on both
// roles) is taken from spark-operator's internal/scheduler/kubescheduler.
// There is no scheduler-plugins and no spark-operator here: the test plays
// the users and the operator that create PodGroups, Spark that creates the
// pods, and the kubelet that reports them Running.
import type { V1Pod } from '@kubernetes/client-node';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readManifests } from '../../dev/cluster/apply.js';
import { repoRoot } from '../../dev/cluster/local.js';
import { waitFor } from '../../dev/cluster/process.js';
import { makePod } from '../support/pod.js';
import { metricValue, useLocalCluster, type E2E } from './support/cluster.js';
import { bound, GANG, staysPending } from './support/placement.js';
import { operatorConf, operatorMutated, sparkConfMap, sparkDriver, sparkExecutor, type SparkApp, type SparkApplicationObject } from './support/submitters.js';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const PG_LABEL = 'scheduling.x-k8s.io/pod-group';
const PG_API = '/apis/scheduling.x-k8s.io/v1alpha1';

interface PodGroup {
  metadata: { name: string; namespace: string; uid?: string };
  spec: { minMember?: number; minResources?: Record<string, string>; scheduleTimeoutSeconds?: number };
  status?: { phase?: string; running?: number; succeeded?: number; failed?: number; scheduleStartTime?: string };
}

async function installCrd(e2e: E2E, file: string, groupVersion: string, resource: string): Promise<void> {
  const crd = readManifests(join(repoRoot(), 'test', 'fixtures', 'crds', file))[0];
  await e2e.client().request({ method: 'POST', path: CRD_PATH, body: crd });
  await waitFor(
    `${groupVersion} ${resource} served`,
    async () => {
      const res = await e2e.client().request<{ resources?: { name: string }[] }>({ path: `/apis/${groupVersion}` }).catch(() => ({ resources: [] }));
      return (res.resources ?? []).some((r) => r.name === resource);
    },
    30_000,
    () => '',
    200,
  );
}

async function createPodGroup(e2e: E2E, ns: string, name: string, spec: PodGroup['spec'], owner?: { name: string; uid: string }): Promise<PodGroup> {
  return e2e.client().request<PodGroup>({
    method: 'POST',
    path: `${PG_API}/namespaces/${ns}/podgroups`,
    body: {
      apiVersion: 'scheduling.x-k8s.io/v1alpha1',
      kind: 'PodGroup',
      metadata: {
        name,
        namespace: ns,
        ...(owner ? { ownerReferences: [{ apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'SparkApplication', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }] } : {}),
      },
      spec,
    },
  });
}

const getPodGroup = (e2e: E2E, ns: string, name: string): Promise<PodGroup> => e2e.client().request<PodGroup>({ path: `${PG_API}/namespaces/${ns}/podgroups/${name}` });

async function waitForPodGroup(e2e: E2E, ns: string, name: string, what: string, ok: (pg: PodGroup) => boolean, timeoutMs = 30_000): Promise<PodGroup> {
  let last: PodGroup | undefined;
  await waitFor(
    `PodGroup ${ns}/${name} ${what}`,
    async () => ok((last = await getPodGroup(e2e, ns, name))),
    timeoutMs,
    () => JSON.stringify(last?.status),
    200,
  );
  return last as PodGroup;
}

/** What the kubelet would report: the pod Running. */
async function markRunning(e2e: E2E, pod: V1Pod): Promise<void> {
  const ns = pod.metadata?.namespace ?? 'default';
  await e2e.client().request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${ns}/pods/${pod.metadata?.name}/status`,
    patchType: 'merge',
    body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
  });
}

function gangStatusOf(pod: V1Pod): Record<string, unknown> {
  return JSON.parse(pod.metadata?.annotations?.['gangplank.io/gang-status'] ?? '{}') as Record<string, unknown>;
}

const member = (ns: string, name: string, group: string, cpu = '1') => makePod(name).ns(ns).label(PG_LABEL, group).scheduler('gangplank-scheduler').requests({ cpu, memory: '1Gi' }).obj();

describe('scheduler-plugins PodGroups and spark-operator, on the real kube-scheduler', () => {
  const e2e = useLocalCluster({
    gangplankConfig: {
      schedulerName: 'gangplank-scheduler',
      schedulerNameAliases: ['kubenexus-scheduler'],
      extender: { gangTimeoutSeconds: 300, sparkConfigWaitSeconds: 5, topologyDiscoverySeconds: 1 },
    },
  });

  it('PG0 without the PodGroup API the label names nothing: such a pod is placed on its own, no gang', async () => {
    const ns = await e2e.namespace('pg0');
    await e2e.nodes('1x cpu=2,memory=8Gi');
    await e2e.createPod(member(ns, 'alone', 'trio'));
    const p = await e2e.waitForPod(ns, 'alone', 'to be bound', bound);
    expect(p.metadata?.annotations?.['gangplank.io/gang-record']).toBeUndefined();
    expect(metricValue((await e2e.cluster().ops('/metrics')).body, 'gangplank_cache_synced', { resource: 'podgroups' })).toBe(0);
  });

  describe('with the PodGroup CRD installed after Gangplank', () => {
    beforeAll(async () => {
      await installCrd(e2e, 'podgroup.yaml', 'scheduling.x-k8s.io/v1alpha1', 'podgroups');
      await installCrd(e2e, 'sparkapplication.yaml', 'sparkoperator.k8s.io/v1beta2', 'sparkapplications');
      // The extender discovers the PodGroup API within topologyDiscoverySeconds.
      await waitFor('the extender watching PodGroups', async () => metricValue((await e2e.cluster().ops('/metrics')).body, 'gangplank_cache_synced', { resource: 'podgroups' }) === 1, 30_000, () => '', 250);
      // The webhook reads SparkApplications from its start: restart it, as after `helm install spark-operator`.
      await e2e.cluster().stopGangplank('SIGTERM', 'webhook');
      await e2e.cluster().startGangplank('webhook');
    });

    it('PG1 places no member of a PodGroup until minMember exist, then all; the PodGroup and the anchor show Pending, Scheduling, Running', async () => {
      const ns = await e2e.namespace('pg1');
      await e2e.nodes('2x cpu=2,memory=8Gi');
      await createPodGroup(e2e, ns, 'trio', { minMember: 3, scheduleTimeoutSeconds: 120 });
      await e2e.createPod(member(ns, 'trio-0', 'trio'));
      await e2e.createPod(member(ns, 'trio-1', 'trio'));
      await staysPending(e2e, ns, 'trio-0', 2_000);
      expect((await e2e.getPod(ns, 'trio-1')).spec?.nodeName).toBeFalsy();
      await waitForPodGroup(e2e, ns, 'trio', 'Pending', (pg) => pg.status?.phase === 'Pending');
      const anchor = await e2e.waitForPod(ns, 'trio-0', 'to show its gang Pending', (p) => gangStatusOf(p).phase === 'Pending' && gangStatusOf(p).members === 2);
      expect(anchor.metadata?.labels?.['gangplank.io/gang-phase']).toBe('Pending');
      expect(gangStatusOf(anchor).message).toMatch(/2 of 3 members exist/);

      await e2e.createPod(member(ns, 'trio-2', 'trio'));
      const pods: V1Pod[] = [];
      for (let i = 0; i < 3; i++) pods.push(await e2e.waitForPod(ns, `trio-${i}`, 'to be bound', bound));
      const scheduling = await waitForPodGroup(e2e, ns, 'trio', 'Scheduling', (pg) => pg.status?.phase === 'Scheduling');
      expect(scheduling.status?.scheduleStartTime).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(gangStatusOf(await e2e.waitForPod(ns, 'trio-0', 'to show its gang Placed', (p) => gangStatusOf(p).phase === 'Placed'))).toMatchObject({ need: 3, scheduled: 3, reserved: 0 });

      for (const p of pods) await markRunning(e2e, p);
      const running = await waitForPodGroup(e2e, ns, 'trio', 'Running', (pg) => pg.status?.phase === 'Running');
      expect(running.status?.running).toBe(3);
      await e2e.waitForPod(ns, 'trio-0', 'to show its gang Running', (p) => p.metadata?.labels?.['gangplank.io/gang-phase'] === 'Running');
    });

    it('PG2 a PodGroup of 4 on room for 3: none is placed, and it stays Pending with the shortfall', async () => {
      const ns = await e2e.namespace('pg2');
      await e2e.nodes('1x cpu=3,memory=8Gi');
      await createPodGroup(e2e, ns, 'quad', { minMember: 4 });
      for (let i = 0; i < 4; i++) await e2e.createPod(member(ns, `quad-${i}`, 'quad'));
      for (let i = 0; i < 4; i++) await staysPending(e2e, ns, `quad-${i}`, i === 0 ? 4_000 : 200);
      const pg = await waitForPodGroup(e2e, ns, 'quad', 'Pending', (x) => x.status?.phase === 'Pending');
      expect(pg.status?.running ?? 0).toBe(0);
      const anchor = await e2e.waitForPod(ns, 'quad-0', 'to carry the scheduler\'s reason', (p) => /only 3 fit/.test(String(gangStatusOf(p).message ?? '')));
      expect(gangStatusOf(anchor)).toMatchObject({ phase: 'Pending', need: 4, members: 4, scheduled: 0 });
    });

    it('PG3 spark-operator\'s PodGroup (<app>-pg, minMember 1, minResources = driver + executors) is a driver-led gang: the driver waits until all 4 executors fit, then each executor lands on its slot', async () => {
      const ns = await e2e.namespace('pg3');
      // Room for the driver and 3 executors only.
      const nodes = await e2e.nodes('2x cpu=2,memory=8Gi');
      const app = await e2e.client().request<SparkApplicationObject>({
        method: 'POST',
        path: `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications`,
        body: {
          apiVersion: 'sparkoperator.k8s.io/v1beta2',
          kind: 'SparkApplication',
          // The operator's batch scheduler labels the application with its PodGroup (kubescheduler.Schedule).
          metadata: { name: 'pi', namespace: ns, labels: { [PG_LABEL]: 'pi-pg' } },
          spec: {
            type: 'Scala',
            mode: 'cluster',
            image: 'apache/spark:3.5.0',
            mainClass: 'org.apache.spark.examples.SparkPi',
            mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar',
            sparkVersion: '3.5.0',
            driver: { cores: 1, memory: '512m' },
            executor: { cores: 1, memory: '512m', instances: 4 },
          },
        },
      });
      // minResources as the operator sums it: the driver's and 4 executors' cores and memory (no overhead).
      await createPodGroup(e2e, ns, 'pi-pg', { minMember: 1, minResources: { cpu: '5', memory: '2560Mi' } }, { name: 'pi', uid: app.metadata.uid ?? '' });
      const spark: SparkApp = {
        ns,
        conf: operatorConf(app, '3a9f0c1e-7b2d-4e5f-8a6b-1c2d3e4f5a6b'),
        appId: 'spark-5e2a7c9b1d3f4a6c8e0b2d4f6a8c0e1b',
        uid16: '4c6e8a0b2d4f6a81',
        sparkVersion: '3.5.0',
        main: ['--class', 'org.apache.spark.examples.SparkPi', 'local:///opt/spark/examples/jars/spark-examples.jar'],
        driver: { requests: { cpu: '1', memory: '896Mi' }, limits: { memory: '896Mi' } },
        executor: { requests: { cpu: '1', memory: '896Mi' }, limits: { memory: '896Mi' } },
      };
      const driver = await e2e.createPod(operatorMutated(sparkDriver(spark), app));
      await e2e.client().request({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: sparkConfMap(spark, driver) });
      const driverName = driver.metadata?.name ?? '';
      // The webhook names the gang after the PodGroup, so gang and PodGroup are one.
      expect(driver.metadata?.labels).toMatchObject({ [GANG]: 'pi-pg', [PG_LABEL]: 'pi-pg', 'spark-role': 'driver' });

      // Driver + 4 executors need 5 cpu; there are 4: nothing is placed.
      await staysPending(e2e, ns, driverName, 4_000);
      await waitForPodGroup(e2e, ns, 'pi-pg', 'Pending', (pg) => pg.status?.phase === 'Pending');
      await e2e.waitForPod(ns, driverName, 'to show its gang Pending with the count', (p) => gangStatusOf(p).phase === 'Pending' && /4 executors/.test(String(gangStatusOf(p).message ?? '')));

      // One more node: the gang fits, the driver is placed and the executors' room held.
      nodes.push(...(await e2e.nodes('1x cpu=2,memory=8Gi', 'extra')));
      const placed = await e2e.waitForPod(ns, driverName, 'to be bound once driver + 4 executors fit', bound, 60_000);
      const scheduling = await waitForPodGroup(e2e, ns, 'pi-pg', 'Scheduling (minMember 1: the driver)', (pg) => pg.status?.phase === 'Scheduling');
      expect(scheduling.status?.running ?? 0).toBe(0);
      const reserved = await e2e.waitForPod(ns, driverName, 'to show room held for 4 executors', (p) => gangStatusOf(p).phase === 'Reserved');
      expect(gangStatusOf(reserved)).toMatchObject({ kind: 'driver-led', need: 5, scheduled: 1, reserved: 4 });
      const record = JSON.parse(reserved.metadata?.annotations?.['gangplank.io/gang-record'] ?? '{}') as { name: string; slots: { role: string; node: string }[] };
      expect(record.name).toBe('pi-pg');
      const slotNodes = record.slots.filter((s) => s.role === 'executor').map((s) => s.node).sort();
      expect(slotNodes).toHaveLength(4);

      // The running driver creates its executors, each with the application's labels.
      await markRunning(e2e, placed);
      const names: string[] = [];
      for (let i = 1; i <= 4; i++) names.push((await e2e.createPod(operatorMutated(sparkExecutor(spark, placed, i), app))).metadata?.name ?? '');
      const executors: V1Pod[] = [];
      for (const n of names) executors.push(await e2e.waitForPod(ns, n, 'to be bound into its reservation', bound, 60_000));
      expect(executors.map((e) => e.spec?.nodeName ?? '').sort()).toEqual(slotNodes);
      for (const e of executors) expect(e.metadata?.labels).toMatchObject({ [GANG]: 'pi-pg', [PG_LABEL]: 'pi-pg' });
      for (const e of executors) await markRunning(e2e, e);
      const running = await waitForPodGroup(e2e, ns, 'pi-pg', 'Running with 5 running', (pg) => pg.status?.phase === 'Running' && pg.status?.running === 5);
      expect(running.status?.failed ?? 0).toBe(0);
      await e2e.waitForPod(ns, driverName, 'to show its gang Running', (p) => gangStatusOf(p).phase === 'Running' && gangStatusOf(p).running === 5);
    });
  });
});
