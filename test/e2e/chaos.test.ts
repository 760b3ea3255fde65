// Chaos tier (issue 9): what a hostile tenant or a broken control plane does
// to a running Gangplank, on the real API server and kube-scheduler. Each
// scenario ends with the two invariants: no gang partly placed, no node
// over-committed.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { makePod } from '../support/pod.js';
import { useLocalCluster, type E2E } from './support/cluster.js';
import { noNodeOverCommitted } from './support/placement.js';
import { driverPod, executorPod, reservedNodes } from './support/spark.js';

const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A gang is whole: the driver and all of its executors bound, or none of the executors waiting forever. */
async function gangWhole(e2e: E2E, ns: string, app: string, executors: number): Promise<void> {
  const pods = await e2e.client().request<{ items: V1Pod[] }>({ path: `/api/v1/namespaces/${ns}/pods` });
  const mine = pods.items.filter((p) => p.metadata?.name?.startsWith(`${app}-`));
  const boundCount = mine.filter(bound).length;
  expect([0, 1 + executors], `${app}: ${boundCount} of ${1 + executors} bound`).toContain(boundCount);
}

describe('chaos on the real control plane', () => {
  const e2e = useLocalCluster({
    gangplankConfig: { schedulerName: 'gangplank-scheduler', extender: { gangTimeoutSeconds: 300, sparkConfigWaitSeconds: 1 } },
  });

  it('a bound pod with a quantity no scheduler accepts (1e400 cpu, int64 max memory), created and deleted, leaves the index exact', async () => {
    const ns = await e2e.namespace('poison');
    const nodes = (await e2e.nodes('2x cpu=4,memory=16Gi')).map((n) => n.metadata?.name ?? '');
    // The API server accepts both and stores 1e400 as 10e399; the pod is bound by hand (spec.nodeName).
    for (const [i, node] of nodes.entries()) {
      const poison = makePod(`poison-${i}`).ns(ns).nodeName(node).requests({ cpu: '1e400', memory: '9223372036854775807' }).obj();
      const created = await e2e.createPod(poison);
      expect(created.spec?.containers[0]?.resources?.requests?.cpu).toBe('10e399');
      await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/poison-${i}`, body: { gracePeriodSeconds: 0 } });
    }
    await sleep(500);
    expect((await e2e.cluster().ops('/readyz')).status).toBe(200);

    // 1 + 10 executors of 1 cpu do not fit on 8 cpu: refused whole, nothing reserved.
    await e2e.createPod(driverPod({ ns, app: 'huge', executors: 10 }));
    // 1 + 6 executors do fit, exactly: placed whole, executors on their slots.
    const spec = { ns, app: 'fits', executors: 6 };
    await e2e.createPod(driverPod(spec));
    const driver = await e2e.waitForPod(ns, 'fits-driver', 'to be bound', bound, 60_000);
    const reserved = reservedNodes(await e2e.getPod(ns, 'fits-driver'));
    for (let i = 1; i <= 6; i++) await e2e.createPod(executorPod(spec, driver, i));
    const placed: string[] = [];
    for (let i = 1; i <= 6; i++) placed.push((await e2e.waitForPod(ns, `fits-exec-${i}`, 'to be bound', bound, 60_000)).spec?.nodeName ?? '');
    expect(placed.sort()).toEqual(reserved);
    expect((await e2e.getPod(ns, 'huge-driver')).spec?.nodeName).toBeFalsy();
    await gangWhole(e2e, ns, 'fits', 6);
    await noNodeOverCommitted(e2e, nodes);
  });

  it('an API server restart mid-gang (every watch broken): the executors still land on their reservations', async () => {
    const ns = await e2e.namespace('apirestart');
    const nodes = (await e2e.nodes('2x cpu=2,memory=8Gi')).map((n) => n.metadata?.name ?? '');
    const spec = { ns, app: 'phoenix', executors: 3 };
    await e2e.createPod(driverPod(spec));
    const driver = await e2e.waitForPod(ns, 'phoenix-driver', 'to be bound', bound);
    const reserved = reservedNodes(await e2e.getPod(ns, 'phoenix-driver'));

    await e2e.cluster().plane.restartApiServer(3_000);
    // Gangplank's informers reconnect; its reservations were never lost.
    for (const role of ['webhook', 'extender'] as const) {
      await waitUntil(async () => (await e2e.cluster().ops('/readyz', role)).status === 200, `${role} ready again`);
    }
    await e2e.createPod(makePod('latecomer').ns(ns).scheduler('gangplank-scheduler').cpu('1').obj());
    for (let i = 1; i <= 3; i++) await e2e.createPod(executorPod(spec, driver, i));
    const placed: string[] = [];
    for (let i = 1; i <= 3; i++) placed.push((await e2e.waitForPod(ns, `phoenix-exec-${i}`, 'to be bound', bound, 60_000)).spec?.nodeName ?? '');
    expect(placed.sort()).toEqual(reserved);
    expect((await e2e.getPod(ns, 'latecomer')).spec?.nodeName).toBeFalsy();
    await gangWhole(e2e, ns, 'phoenix', 3);
    await noNodeOverCommitted(e2e, nodes);
  });

  it('a forged gang record (another namespace, a 1e9 s time-out) holds no room, before or after a restart, and says why on the pod', async () => {
    const ns = await e2e.namespace('tenant');
    const nodes = (await e2e.nodes('2x cpu=2,memory=8Gi')).map((n) => n.metadata?.name ?? '');
    // The tenant's own pod, never scheduled (no such scheduler), carrying a record it wrote itself.
    const tenant = await e2e.createPod(makePod('tenant-driver').ns(ns).sparkApp('greedy', 'spark-greedy').role('driver').gang('greedy', 5).scheduler('nobody').cpu('100m').obj());
    const forged = {
      version: 1,
      namespace: 'kube-system',
      name: 'greedy',
      kind: 'driver-led',
      anchor: { name: 'tenant-driver', uid: tenant.metadata?.uid },
      createdAt: new Date().toISOString(),
      plannedAt: new Date().toISOString(),
      timeoutSeconds: 1e9,
      slots: nodes.flatMap((n, i) => [0, 1].map((j) => ({ id: `e${i}${j}`, role: 'executor', node: n, requests: { cpu: '1', memory: '1Gi' } }))),
    };
    await e2e.client().request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/pods/tenant-driver`,
      patchType: 'merge',
      body: { metadata: { annotations: { 'gangplank.io/gang-record': JSON.stringify(forged) } } },
    });
    // Followed from the watch (ignored), then restored after a restart (ignored again).
    for (const restart of [false, true]) {
      if (restart) {
        await e2e.cluster().stopGangplank('SIGKILL', 'extender');
        await e2e.cluster().startGangplank('extender');
      }
      const name = `honest-${restart ? 'after' : 'before'}`;
      await e2e.createPod(makePod(name).ns(ns).scheduler('gangplank-scheduler').cpu('1500m').obj());
      await e2e.waitForPod(ns, name, 'to be bound despite the forged record', bound, 30_000);
      await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${name}`, body: { gracePeriodSeconds: 0 } });
    }
    const events = await e2e.client().request<{ items: { reason?: string; message?: string }[] }>({
      path: `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.uid=${tenant.metadata?.uid}`)}`,
    });
    const ignored = events.items.find((e) => e.reason === 'GangRecordIgnored');
    expect(ignored?.message).toMatch(/names namespace kube-system/);
    await noNodeOverCommitted(e2e, nodes);
  });
});

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}
