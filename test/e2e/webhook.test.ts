// Issue 3's "done when" on the real control plane: the API server calls the
// webhook registered from the Helm chart for pods created the way
// spark-submit, spark-operator and Kyuubi create them, with the issue's
// configuration file verbatim. Executors are created only after their driver
// is bound, as Spark's driver creates them once it runs.
import type { V1Pod } from '@kubernetes/client-node';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/cluster/process.js';
import { makePod } from '../support/pod.js';
import { FIXTURES } from '../support/webhook.js';
import { metricValue, useLocalCluster, type E2E } from './support/cluster.js';

const GANG = 'pod-group.scheduling.kubenexus.io/name';
const MIN = 'pod-group.scheduling.kubenexus.io/min-available';
const COUNT = 'gangplank.io/executor-count';
const SHAPE = 'gangplank.io/executor-resources';
const WORKLOAD_TOLERATION = { key: 'workload-type', operator: 'Equal', value: 'data-platform', effect: 'NoSchedule' };

const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);
const labels = (p: V1Pod): Record<string, string> => p.metadata?.labels ?? {};
const annotations = (p: V1Pod): Record<string, string> => p.metadata?.annotations ?? {};
const gangplankKeys = (p: V1Pod): string[] =>
  [...Object.keys(labels(p)), ...Object.keys(annotations(p))].filter((k) => k.startsWith('gangplank.io/') || k.startsWith('pod-group.scheduling.kubenexus.io/'));

/** The driver pod spark-submit (Spark 3.5, cluster mode) creates. */
function submitDriver(ns: string, name: string, app: string, selector: string): ReturnType<typeof makePod> {
  return makePod(name)
    .ns(ns)
    .sparkApp(app, selector)
    .label('spark-version', '3.5.0')
    .role('driver')
    .args('driver', '--properties-file', '/opt/spark/conf/spark.properties', '--class', 'org.apache.spark.examples.SparkPi', 'local:///opt/spark/examples/jars/spark-examples.jar', '1000')
    .env('SPARK_USER', 'spark')
    .env('SPARK_APPLICATION_ID', selector)
    .requests({ cpu: '1', memory: '1408Mi' })
    .limits({ memory: '1408Mi' });
}

/** An executor pod as the running driver creates it: owned by the driver, numbered. */
function submitExecutor(driver: V1Pod, name: string, id: number): ReturnType<typeof makePod> {
  const dl = labels(driver);
  let b = makePod(name)
    .ns(driver.metadata?.namespace ?? 'default')
    .label('spark-app-selector', dl['spark-app-selector'] ?? '')
    .label('spark-exec-resourceprofile-id', '0')
    .role('executor')
    .executorOf(driver.metadata?.name ?? '', driver.metadata?.uid ?? '', id)
    .args('executor')
    .env('SPARK_EXECUTOR_ID', String(id))
    .env('SPARK_APPLICATION_ID', dl['spark-app-selector'] ?? '')
    .requests({ cpu: '1', memory: '1408Mi' })
    .limits({ memory: '1408Mi' });
  for (const k of ['spark-app-name', 'spark-version']) if (dl[k] !== undefined) b = b.label(k, dl[k]);
  return b;
}

/**
 * The seed's spark-operator manifest as spark-submit receives it: the
 * operator's labels and the user's gang labels on both roles, cores 1,
 * memory 512m (+384Mi overhead), coreLimit 1200m on the driver.
 */
function operatorPod(role: 'driver' | 'executor', ns: string, name: string, gang: string, selector: string): ReturnType<typeof makePod> {
  let b = makePod(name)
    .ns(ns)
    .sparkOperator('spark-pi', '0907b7aa-3049-4149-81e8-0d1135b0bc5f')
    .label('spark-app-selector', selector)
    .label('spark-version', '3.5.0')
    .role(role)
    .gang(gang, 4)
    .scheduler('kubenexus-scheduler')
    .serviceAccount('spark')
    .requests({ cpu: '1', memory: '896Mi' })
    .limits({ memory: '896Mi' });
  if (role === 'driver') b = b.limits({ cpu: '1200m' }).args('driver', '--properties-file', '/opt/spark/conf/spark.properties', '--class', 'org.apache.spark.examples.SparkPi');
  else b = b.args('executor');
  return b;
}

/** Create a pod with dryRun=All: admitted (webhooks included) but not stored. */
function dryRun(e2e: E2E, pod: V1Pod): Promise<V1Pod> {
  return e2e.client().request<V1Pod>({ method: 'POST', path: `/api/v1/namespaces/${pod.metadata?.namespace ?? 'default'}/pods?dryRun=All`, body: pod });
}

async function deleteAllPods(e2e: E2E, ns: string): Promise<void> {
  const list = await e2e.client().request<{ items: V1Pod[] }>({ path: `/api/v1/namespaces/${ns}/pods` });
  for (const p of list.items) {
    await e2e
      .client()
      .request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${p.metadata?.name}`, body: { gracePeriodSeconds: 0 } })
      .catch(() => undefined);
  }
}

/** Submit a driver, wait until it is bound, then create its executors as Spark does. */
async function driverThenExecutors(e2e: E2E, driver: V1Pod, executors: (d: V1Pod) => V1Pod[]): Promise<{ driver: V1Pod; executors: V1Pod[] }> {
  const created = await e2e.createPod(driver);
  const ns = created.metadata?.namespace ?? '';
  const running = await e2e.waitForPod(ns, created.metadata?.name ?? '', 'to be bound', bound);
  const out: V1Pod[] = [];
  for (const e of executors(running)) out.push(await e2e.createPod(e));
  return { driver: running, executors: out };
}

describe('the webhook on the real control plane (issue 3 config)', () => {
  const e2e = useLocalCluster({ gangplankConfig: resolve(FIXTURES, 'config/issue-3.yaml') });

  beforeAll(async () => {
    // The API server picks up a new MutatingWebhookConfiguration through its own
    // informer; probe with a dry-run Spark pod until it is in effect.
    const ns = await e2e.namespace('probe');
    const probe = makePod('probe-driver').ns(ns).sparkApp('probe', 'spark-00000000000000000000000000000001').role('driver').obj();
    await waitFor('the webhook registration to take effect', async () => (await dryRun(e2e, probe)).spec?.schedulerName === 'gangplank-scheduler', 30_000, () => '', 200);
  });

  it('shapes a spark-submit driver and its executors: one gang, scheduler, N and executor shape', async () => {
    const ns = await e2e.namespace('submit');
    await e2e.nodes('1x cpu=4,memory=16Gi');
    const sel = 'spark-5f2c9a7e1b3d4c6f8a0b2c4d6e8f0a1b';
    const { driver, executors } = await driverThenExecutors(e2e, submitDriver(ns, 'spark-pi-0a1b2c3d-driver', 'spark-pi', sel).obj(), (d) =>
      [1, 2].map((i) => submitExecutor(d, `spark-pi-0a1b2c3d-exec-${i}`, i).obj()),
    );

    expect(driver.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(labels(driver)[GANG]).toBe('spark-pi-5f2c9a7e');
    // Default profile: the webhook cannot see spark-submit's --conf (they are in the
    // spark.properties ConfigMap), so it invents no N or shape; the extender decides.
    expect(labels(driver)[MIN]).toBeUndefined();
    expect(annotations(driver)[COUNT]).toBeUndefined();
    expect(annotations(driver)[SHAPE]).toBeUndefined();
    expect(driver.spec?.nodeSelector).toBeUndefined();
    for (const e of executors) {
      expect(e.spec?.schedulerName).toBe('gangplank-scheduler');
      expect(labels(e)[GANG]).toBe('spark-pi-5f2c9a7e');
      // N as the extender planned it (the driver mounts no ConfigMap here: Spark's default of 2).
      expect(labels(e)[MIN]).toBe('3');
      expect(annotations(e)[COUNT]).toBeUndefined();
    }
    for (const e of executors) expect(bound(await e2e.waitForPod(ns, e.metadata?.name ?? '', 'to be bound', bound))).toBe(true);
  });

  it('keeps the gang name written on a spark-operator driver and corrects executors that name another (the seed mistake)', async () => {
    const ns = await e2e.namespace('operator');
    await e2e.nodes('1x cpu=8,memory=16Gi');
    const sel = 'spark-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b';
    const { driver, executors } = await driverThenExecutors(e2e, operatorPod('driver', ns, 'spark-pi-driver', 'my-job-driver', sel).obj(), (d) =>
      [1, 2, 3].map((i) => operatorPod('executor', ns, `spark-pi-7f3a-exec-${i}`, 'my-job-executor', sel).executorOf(d.metadata?.name ?? '', d.metadata?.uid ?? '', i).obj()),
    );

    expect(labels(driver)).toMatchObject({ [GANG]: 'my-job-driver', [MIN]: '4', 'sparkoperator.k8s.io/app-name': 'spark-pi' });
    expect(driver.spec?.schedulerName).toBe('gangplank-scheduler');
    // N from the seed's min-available; the shape is left to the driver's spark.properties.
    expect(annotations(driver)[COUNT]).toBe('3');
    expect(annotations(driver)['gangplank.io/executor-count-source']).toBe('min-available');
    expect(annotations(driver)[SHAPE]).toBeUndefined();
    for (const e of executors) {
      expect(labels(e)).toMatchObject({ [GANG]: 'my-job-driver', [MIN]: '4' });
      expect(e.spec?.schedulerName).toBe('gangplank-scheduler');
    }
  });

  it('shapes Kyuubi engine pods in namespace kyuubi with the lightweight-dbt profile', async () => {
    await e2e
      .client()
      .request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kyuubi' } } });
    try {
      await e2e.nodes('1x cpu=4,memory=16Gi');
      const tag = '6b1c0f9e-2c1d-4a57-9b0e-3f4a5b6c7d8e';
      const sel = 'spark-1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f';
      const appName = 'kyuubi-user-spark-sql-anonymous-default-6b1c0f9e-2c1d-4a57-9b0e';
      const d = submitDriver('kyuubi', `kyuubi-${tag}-driver`, appName, sel).label('kyuubi-unique-tag', tag).obj();
      const { driver, executors } = await driverThenExecutors(e2e, d, (running) => [1, 2].map((i) => submitExecutor(running, `kyuubi-${tag}-exec-${i}`, i).obj()));

      const gang = labels(driver)[GANG];
      expect(gang).toBe('kyuubi-user-spark-sql-anonymous-default-6b1c0f9e-2c1d-1c2d3e4f');
      expect(labels(driver)).toMatchObject({
        'app.kubernetes.io/name': 'spark',
        'app.kubernetes.io/component': 'driver',
        'app.kubernetes.io/part-of': 'dbt-pipeline',
        'workload-type': 'spark-driver',
        [MIN]: '3',
      });
      expect(driver.spec?.serviceAccountName).toBe('kyuubi-sa');
      expect(driver.spec?.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
      expect(driver.spec?.tolerations).toContainEqual(WORKLOAD_TOLERATION);
      expect(driver.spec?.schedulerName).toBe('gangplank-scheduler');
      // executorInstances: 2; one executor as the overrides cap it.
      expect(annotations(driver)[COUNT]).toBe('2');
      expect(annotations(driver)[SHAPE]).toBe('{"cpu":"500m","memory":"1Gi"}');
      // Both from the profile: the driver's spark.properties would win, with the profile's cap applied to it.
      expect(annotations(driver)['gangplank.io/executor-resources-source']).toBe('profile');
      expect(JSON.parse(annotations(driver)['gangplank.io/executor-resource-layers'] ?? '{}')).toMatchObject({ overrides: { limits: { cpu: '500m', memory: '1Gi' } } });
      // The driver's own resources are not the executors' overrides.
      expect(driver.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '1', memory: '1408Mi' });

      for (const e of executors) {
        expect(labels(e)).toMatchObject({ 'app.kubernetes.io/component': 'executor', 'workload-type': 'spark-executor', [GANG]: gang, [MIN]: '3' });
        expect(e.spec?.serviceAccountName).toBe('kyuubi-sa');
        expect(e.spec?.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
        expect(e.spec?.tolerations).toContainEqual(WORKLOAD_TOLERATION);
        expect(e.spec?.schedulerName).toBe('gangplank-scheduler');
        expect(e.spec?.containers[0]?.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } });
        expect(annotations(e)[COUNT]).toBeUndefined();
      }
      for (const e of executors) await e2e.waitForPod('kyuubi', e.metadata?.name ?? '', 'to be bound', bound);
    } finally {
      await deleteAllPods(e2e, 'kyuubi');
    }
  });

  it('leaves non-Spark pods untouched; the matchConditions keep a spark-role of another kind from the webhook', async () => {
    const ns = await e2e.namespace('plain');
    // gangplank-system is outside the webhook's namespaceSelector: the same pod there is the API server's own result.
    const reference = 'gangplank-system';
    const pods = [
      makePod('web').label('app', 'web').annotation('note', 'x').scheduler('kubenexus-scheduler').cpu('100m').toleration({ key: 'a', operator: 'Exists', effect: 'NoSchedule' }),
      makePod('shuffle').label('spark-role', 'shuffle-service').label('spark-app-name', 'spark-pi').scheduler('kubenexus-scheduler').cpu('100m'),
    ];
    const skippedBefore = metricValue((await e2e.cluster().ops('/metrics', 'webhook')).body, 'gangplank_admissions_total', { role: 'none', outcome: 'skipped' });
    try {
      for (const b of pods) {
        const here = await e2e.createPod(b.ns(ns).obj());
        const there = await e2e.createPod(b.ns(reference).obj());
        expect(gangplankKeys(here)).toEqual([]);
        expect(here.spec?.schedulerName).toBe('kubenexus-scheduler');
        expect(here.metadata?.labels).toEqual(there.metadata?.labels);
        expect(here.metadata?.annotations).toEqual(there.metadata?.annotations);
        expect(here.spec).toEqual(there.spec);
      }
    } finally {
      for (const b of pods) {
        const name = b.obj().metadata?.name ?? '';
        await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${reference}/pods/${name}`, body: { gracePeriodSeconds: 0 } }).catch(() => undefined);
      }
    }
    // The shuffle-service pod matches the objectSelector (spark-role exists), but the chart's
    // matchConditions (spark-role is driver or executor) keep the API server from calling the webhook.
    const skippedAfter = metricValue((await e2e.cluster().ops('/metrics', 'webhook')).body, 'gangplank_admissions_total', { role: 'none', outcome: 'skipped' });
    expect(skippedAfter).toBe(skippedBefore);
  });

  it('does not block pod creation while the webhook is down (failurePolicy Ignore), and shapes pods again once it is back', async () => {
    const ns = await e2e.namespace('down');
    const sel = 'spark-abcdef0123456789abcdef0123456789';
    await e2e.cluster().stopGangplank('SIGTERM', 'webhook');
    let unshaped: V1Pod;
    try {
      unshaped = await e2e.createPod(submitDriver(ns, 'while-down-driver', 'while-down', sel).obj());
    } finally {
      await e2e.cluster().startGangplank('webhook');
    }
    expect(unshaped.metadata?.name).toBe('while-down-driver');
    expect(unshaped.spec?.schedulerName).toBe('default-scheduler');
    expect(gangplankKeys(unshaped)).toEqual([]);

    const shaped = await e2e.createPod(submitDriver(ns, 'after-restart-driver', 'after-restart', sel).obj());
    expect(shaped.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(labels(shaped)[GANG]).toBe('after-restart-abcdef01');
  });

  it("binds the seed's spark-operator gang (min-available 4, kubenexus-scheduler): driver, then its 3 executors, no deadlock", async () => {
    const ns = await e2e.namespace('seed');
    // Room for exactly the driver and 3 executors (1 cpu each).
    await e2e.nodes('2x cpu=2,memory=8Gi');
    const sel = 'spark-0123456789abcdef0123456789abcdef';
    const { driver, executors } = await driverThenExecutors(e2e, operatorPod('driver', ns, 'spark-pi-driver', 'spark-pi', sel).obj(), (d) =>
      [1, 2, 3].map((i) => operatorPod('executor', ns, `spark-pi-5d1e-exec-${i}`, 'spark-pi', sel).executorOf(d.metadata?.name ?? '', d.metadata?.uid ?? '', i).obj()),
    );
    expect(labels(driver)).toMatchObject({ [GANG]: 'spark-pi', [MIN]: '4' });
    expect(annotations(driver)[COUNT]).toBe('3');
    const nodes: string[] = [driver.spec?.nodeName ?? ''];
    for (const e of executors) {
      expect(labels(e)).toMatchObject({ [GANG]: 'spark-pi', [MIN]: '4' });
      expect(e.spec?.schedulerName).toBe('gangplank-scheduler');
      nodes.push((await e2e.waitForPod(ns, e.metadata?.name ?? '', 'to be bound', bound)).spec?.nodeName ?? '');
    }
    // Two nodes of 2 cpu each hold the 4 pods two by two.
    const perNode = nodes.reduce<Record<string, number>>((m, n) => ({ ...m, [n]: (m[n] ?? 0) + 1 }), {});
    expect(Object.values(perNode).sort()).toEqual([2, 2]);
  });
});
