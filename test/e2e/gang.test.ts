// Issue 4's "done when" scenarios on the real kube-scheduler: each test a
// cluster situation, Gangplank registered from the shipped files. Scenario
// IDs (G01-G08): src/gang/TESTS.md.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { makePod } from '../support/pod.js';
import { metricValue, useLocalCluster, type E2E } from './support/cluster.js';
import { driverPod, executorPod, reservedNodes, type SparkAppSpec } from './support/spark.js';

const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Submit a driver, wait for it to bind, then create its executors as Spark does. */
async function runApp(e2e: E2E, spec: SparkAppSpec): Promise<{ driver: V1Pod; executors: V1Pod[] }> {
  await e2e.createPod(driverPod(spec));
  const driver = await e2e.waitForPod(spec.ns, `${spec.app}-driver`, 'to be bound', bound);
  const executors: V1Pod[] = [];
  for (let i = 1; i <= spec.executors; i++) await e2e.createPod(executorPod(spec, driver, i));
  for (let i = 1; i <= spec.executors; i++) executors.push(await e2e.waitForPod(spec.ns, `${spec.app}-exec-${i}`, 'to be bound', bound));
  return { driver: await e2e.getPod(spec.ns, `${spec.app}-driver`), executors };
}

/** Assert a pod stays unbound for `ms`. */
async function staysPending(e2e: E2E, ns: string, name: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const p = await e2e.getPod(ns, name);
    expect(p.spec?.nodeName, `${name} must stay pending`).toBeFalsy();
    await sleep(250);
  }
}

describe('gang scheduling on the real kube-scheduler', () => {
  const e2e = useLocalCluster({
    gangplankConfig: {
      schedulerName: 'gangplank-scheduler',
      schedulerNameAliases: ['kubenexus-scheduler'],
      extender: { gangTimeoutSeconds: 300, sparkConfigWaitSeconds: 1 },
    },
  });

  it('G01 binds a driver only when driver + 3 executors fit; executors land on their reserved nodes', async () => {
    const ns = await e2e.namespace('g1');
    await e2e.nodes('2x cpu=2,memory=8Gi');
    const spec = { ns, app: 'pi', executors: 3 };
    await e2e.createPod(driverPod(spec));
    const driver = await e2e.waitForPod(ns, 'pi-driver', 'to be bound', bound);
    const reserved = reservedNodes(await e2e.getPod(ns, 'pi-driver'));
    expect(reserved).toHaveLength(3);

    // A pod outside the gang may not take the executors' room: the cluster has
    // exactly driver + 3 executors of CPU.
    await e2e.createPod(makePod('intruder').ns(ns).scheduler('gangplank-scheduler').cpu('1').obj());
    await staysPending(e2e, ns, 'intruder', 2_000);

    for (let i = 1; i <= 3; i++) await e2e.createPod(executorPod(spec, driver, i));
    const nodes: string[] = [];
    for (let i = 1; i <= 3; i++) nodes.push((await e2e.waitForPod(ns, `pi-exec-${i}`, 'to be bound', bound)).spec?.nodeName ?? '');
    expect(nodes.sort()).toEqual(reserved);
    expect((await e2e.getPod(ns, 'intruder')).spec?.nodeName).toBeFalsy();
  });

  it('G02 keeps a driver pending with the shortfall in its event when the gang cannot fit, and no other pod loses room', async () => {
    const ns = await e2e.namespace('g2');
    await e2e.nodes('1x cpu=3,memory=8Gi');
    await e2e.createPod(driverPod({ ns, app: 'big', executors: 3 }));
    await e2e.createPod(makePod('small').ns(ns).scheduler('gangplank-scheduler').cpu('2').obj());
    await e2e.waitForPod(ns, 'small', 'to be bound', bound);
    let message = '';
    await e2e.waitForPod(ns, 'big-driver', 'to report FailedScheduling', () => true);
    for (let i = 0; i < 60 && !message; i++) {
      const ev = (await e2e.events(ns, 'big-driver')).find((e) => e.reason === 'FailedScheduling');
      message = ev?.message ?? '';
      if (!message) await sleep(250);
    }
    expect(message).toMatch(/3 executors/);
    expect(message).toMatch(/\d/);
    expect((await e2e.getPod(ns, 'big-driver')).spec?.nodeName).toBeFalsy();
  });

  it('G03 places one of two gangs that cannot both fit whole, and the other when the first is deleted', async () => {
    const ns = await e2e.namespace('g3');
    await e2e.nodes('2x cpu=2,memory=8Gi');
    const a = { ns, app: 'alpha', executors: 2 };
    const b = { ns, app: 'beta', executors: 2 };
    const first = await runApp(e2e, a);
    expect(first.executors.every(bound)).toBe(true);
    await e2e.createPod(driverPod(b));
    await staysPending(e2e, ns, 'beta-driver', 3_000);
    for (const name of ['alpha-driver', 'alpha-exec-1', 'alpha-exec-2']) {
      await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${name}`, body: { gracePeriodSeconds: 0 } });
    }
    const driver = await e2e.waitForPod(ns, 'beta-driver', 'to be bound once alpha is gone', bound, 60_000);
    for (let i = 1; i <= 2; i++) await e2e.createPod(executorPod(b, driver, i));
    for (let i = 1; i <= 2; i++) await e2e.waitForPod(ns, `beta-exec-${i}`, 'to be bound', bound);
  });

  it('G04 binds no member of a co-created gang of 4 when only 3 fit', async () => {
    const ns = await e2e.namespace('g4');
    await e2e.nodes('1x cpu=3,memory=8Gi');
    for (let i = 0; i < 4; i++) {
      await e2e.createPod(makePod(`member-${i}`).ns(ns).scheduler('gangplank-scheduler').gang('quad', 4).cpu('1').obj());
    }
    for (let i = 0; i < 4; i++) await staysPending(e2e, ns, `member-${i}`, i === 0 ? 4_000 : 250);
  });

  it('G05 binds every member of a co-created gang once the last member arrives and all fit', async () => {
    const ns = await e2e.namespace('g4b');
    await e2e.nodes('2x cpu=2,memory=8Gi');
    for (let i = 0; i < 3; i++) {
      await e2e.createPod(makePod(`trio-${i}`).ns(ns).scheduler('gangplank-scheduler').gang('trio', 3).cpu('1').obj());
      if (i < 2) await staysPending(e2e, ns, `trio-${i}`, 1_000);
    }
    for (let i = 0; i < 3; i++) await e2e.waitForPod(ns, `trio-${i}`, 'to be bound', bound, 30_000);
  });

  it('G06 puts a single-numa GPU pod only on a node where one zone holds all its GPUs and CPUs', async () => {
    const ns = await e2e.namespace('g5');
    const zones = (n: number, cpu: string, gpu: string): string =>
      JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: `node-${i}`, resources: { cpu, memory: '32Gi', 'nvidia.com/gpu': gpu } })));
    await e2e.nodes([
      { name: 'split-gpu', resources: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '4', pods: '110' }, annotations: { 'gangplank.io/numa-topology': zones(2, '8', '2') } },
      { name: 'whole-gpu', resources: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '4', pods: '110' }, annotations: { 'gangplank.io/numa-topology': zones(1, '16', '4') } },
    ]);
    for (let i = 0; i < 2; i++) {
      const pod = makePod(`trainer-${i}`)
        .ns(ns)
        .scheduler('gangplank-scheduler')
        .requests({ cpu: '4', memory: '8Gi' })
        .gpu(i === 0 ? 4 : 1)
        .annotations({ 'numa.scheduling.kubenexus.io/policy': 'single-numa', 'numa.scheduling.kubenexus.io/resources': 'cpu,memory,nvidia.com/gpu' })
        .obj();
      if (i === 0) await e2e.createPod(pod);
    }
    const p = await e2e.waitForPod(ns, 'trainer-0', 'to be bound', bound);
    expect(p.spec?.nodeName).toBe('whole-gpu');
    expect(p.metadata?.annotations?.['gangplank.io/numa-zone']).toBe('node-0');
  });

  it('G07 survives an extender crash between the driver bind and the executors: executors land on their reservations, no slot double-booked', async () => {
    const ns = await e2e.namespace('g6');
    await e2e.nodes('2x cpu=2,memory=8Gi');
    const spec = { ns, app: 'phoenix', executors: 3 };
    await e2e.createPod(driverPod(spec));
    const driver = await e2e.waitForPod(ns, 'phoenix-driver', 'to be bound', bound);
    const reserved = reservedNodes(await e2e.getPod(ns, 'phoenix-driver'));

    // The extender container crashes; the kubelet restarts it beside its scheduler.
    await e2e.cluster().stopGangplank('SIGKILL', 'extender');
    await e2e.cluster().startGangplank('extender');

    // A pod outside the gang arrives first and must not take the restored reservations.
    await e2e.createPod(makePod('latecomer').ns(ns).scheduler('gangplank-scheduler').cpu('1').obj());
    for (let i = 1; i <= 3; i++) await e2e.createPod(executorPod(spec, driver, i));
    const nodes: string[] = [];
    for (let i = 1; i <= 3; i++) nodes.push((await e2e.waitForPod(ns, `phoenix-exec-${i}`, 'to be bound', bound, 60_000)).spec?.nodeName ?? '');
    expect(nodes.sort()).toEqual(reserved);
    await staysPending(e2e, ns, 'latecomer', 1_000);
  });

  it('G08 releases a reservation that is never filled after its time-out', async () => {
    const ns = await e2e.namespace('g7');
    await e2e.nodes('1x cpu=3,memory=8Gi');
    const before = metricValue((await e2e.cluster().ops('/metrics')).body, 'gangplank_reservations_released_total', { reason: 'timeout' });
    await e2e.createPod(driverPod({ ns, app: 'lonely', executors: 2, annotations: { 'gangplank.io/timeout-seconds': '4' } }));
    await e2e.waitForPod(ns, 'lonely-driver', 'to be bound', bound);
    await e2e.createPod(makePod('waiter').ns(ns).scheduler('gangplank-scheduler').cpu('2').obj());
    await staysPending(e2e, ns, 'waiter', 1_500);
    await e2e.waitForPod(ns, 'waiter', 'to be bound after the reservation times out', bound, 30_000);
    const after = metricValue((await e2e.cluster().ops('/metrics')).body, 'gangplank_reservations_released_total', { reason: 'timeout' });
    expect(after).toBeGreaterThan(before);
  });
});
