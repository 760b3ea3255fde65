// Issue 8, item 5, on the real control plane: the seeds' spark-operator guide
// (examples/spark-operator-*.yaml) applied as users apply it, with Gangplank
// installed from the chart with examples/gangplank-values.yaml. There is no
// spark-operator here: the SparkApplication CRD stand-in
// (test/fixtures/crds/sparkapplication.yaml) is installed so the webhook can
// read the SparkApplications, and the test plays the operator and Spark
// (./support/submitters.ts): the driver pod as the operator's spark-submit and
// pod webhook make it, its spark.properties ConfigMap, then, once the driver
// is bound, the executors as the running driver creates them.
// Scenario IDs: src/gang/TESTS.md (A03-A05).
import type { V1Pod } from '@kubernetes/client-node';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readManifests, type ManifestObject } from '../../dev/cluster/apply.js';
import { repoRoot } from '../../dev/cluster/local.js';
import { waitFor } from '../../dev/cluster/process.js';
import { NUMA_TOPOLOGY } from '../../src/contract/keys.js';
import { metricValue, useLocalCluster, type E2E } from './support/cluster.js';
import {
  apply,
  bound,
  createNamespace,
  deletePods,
  exampleGangplankConfig,
  exampleObjects,
  expectPlacedWhole,
  expectWithinZones,
  failedScheduling,
  GANG,
  MIN,
  staysPending,
  type Zone,
} from './support/placement.js';
import {
  operatorConf,
  operatorMutated,
  sparkConfMap,
  sparkDriver,
  sparkExecutor,
  type Resources,
  type SparkApp,
  type SparkApplicationObject,
} from './support/submitters.js';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const GPU = 'nvidia.com/gpu';

interface Run {
  readonly app: SparkApplicationObject;
  readonly spark: SparkApp;
  readonly driver: V1Pod;
}

/** Apply an example; return its SparkApplication as the API server stored it (with its uid). */
async function applyExample(e2e: E2E, file: string): Promise<SparkApplicationObject> {
  const objects = exampleObjects(file);
  for (const ns of new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))) await createNamespace(e2e, ns);
  await apply(e2e, objects.filter((o) => o.kind !== 'Namespace'));
  const doc = objects.find((o) => o.kind === 'SparkApplication') as ManifestObject;
  return e2e.client().request<SparkApplicationObject>({ path: `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${doc.metadata.namespace}/sparkapplications/${doc.metadata.name}` });
}

/**
 * Play spark-operator and Spark for a SparkApplication: the driver pod (with
 * the operator's pod-webhook changes), its spark.properties ConfigMap owned by
 * it. `resources` are what Spark asks for, written out by each test.
 */
async function submit(e2e: E2E, app: SparkApplicationObject, ids: { appId: string; uid16: string; submissionId: string }, resources: { driver: Resources; executor: Resources }): Promise<Run> {
  const s = app.spec;
  const spark: SparkApp = {
    ns: app.metadata.namespace ?? 'default',
    conf: operatorConf(app, ids.submissionId),
    appId: ids.appId,
    uid16: ids.uid16,
    sparkVersion: s.sparkVersion,
    python: s.type === 'Python',
    main: s.type === 'Python' ? [s.mainApplicationFile ?? '', ...(s.arguments ?? [])] : ['--class', s.mainClass ?? '', s.mainApplicationFile ?? '', ...(s.arguments ?? [])],
    driver: resources.driver,
    executor: resources.executor,
  };
  const pod = operatorMutated(sparkDriver(spark), app);
  // spark-operator submits seconds after it saw the SparkApplication (its controller, then
  // spark-submit's JVM); the webhook's informer must have it too. Dry-run until it answers with it.
  await waitFor(
    "the webhook to read the SparkApplication",
    async () => {
      const p = await e2e.client().request<V1Pod>({ method: 'POST', path: `/api/v1/namespaces/${spark.ns}/pods?dryRun=All`, body: pod });
      return p.metadata?.annotations?.['gangplank.io/executor-resources-source'] === 'sparkapplication';
    },
    30_000,
    () => '',
    200,
  );
  const driver = await e2e.createPod(pod);
  await e2e.client().request({ method: 'POST', path: `/api/v1/namespaces/${spark.ns}/configmaps`, body: sparkConfMap(spark, driver) });
  return { app, spark, driver };
}

/** The running driver creates its executors (with the operator's pod-webhook changes); wait for all to bind. */
async function executorsOf(e2e: E2E, run: Run, n: number): Promise<{ driver: V1Pod; executors: V1Pod[] }> {
  const ns = run.spark.ns;
  const driver = await e2e.waitForPod(ns, run.driver.metadata?.name ?? '', 'to be bound', bound, 60_000);
  const names: string[] = [];
  for (let i = 1; i <= n; i++) {
    const created = await e2e.createPod(operatorMutated(sparkExecutor(run.spark, driver, i), run.app));
    names.push(created.metadata?.name ?? '');
  }
  const executors: V1Pod[] = [];
  for (const name of names) executors.push(await e2e.waitForPod(ns, name, 'to be bound into its reservation', bound, 60_000));
  return { driver: await e2e.getPod(ns, driver.metadata?.name ?? ''), executors };
}

async function cleanup(e2e: E2E, ns: string, app: string): Promise<void> {
  await deletePods(e2e, ns);
  await e2e.client().request({ method: 'DELETE', path: `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications/${app}` }).catch(() => undefined);
}

const zonesOf = (nodes: { metadata?: { name?: string; annotations?: Record<string, string> } }[]): Record<string, Zone[]> =>
  Object.fromEntries(nodes.map((n) => [n.metadata?.name ?? '', JSON.parse(n.metadata?.annotations?.[NUMA_TOPOLOGY] ?? '[]') as Zone[]]));

describe('spark-operator SparkApplications from the operator guide, on the real kube-scheduler', () => {
  const e2e = useLocalCluster({ gangplankConfig: exampleGangplankConfig() });

  beforeAll(async () => {
    // spark-operator installed on a cluster that already runs Gangplank: the
    // webhook finds the SparkApplication API on its own (webhook.apiDiscoverySeconds,
    // src/webhook/caches.ts), with no restart.
    const before = (await e2e.cluster().ops('/metrics', 'webhook')).body;
    expect(metricValue(before, 'gangplank_cache_synced', { resource: 'sparkapplications' })).toBe(0);
    const crd = readManifests(join(repoRoot(), 'test', 'fixtures', 'crds', 'sparkapplication.yaml'))[0];
    await e2e.client().request({ method: 'POST', path: CRD_PATH, body: crd });
    await waitFor(
      'the webhook watching SparkApplications',
      async () => metricValue((await e2e.cluster().ops('/metrics', 'webhook')).body, 'gangplank_cache_synced', { resource: 'sparkapplications' }) === 1,
      40_000,
      () => '',
      250,
    );
  });

  it('A03 places the guide\'s spark-pi (min-available 4, kubenexus-scheduler) whole: 3 executors on their reserved slots', async () => {
    const app = await applyExample(e2e, 'spark-operator-spark-pi.yaml');
    try {
      // Exactly the driver and 3 executors of cpu 1.
      await e2e.nodes('2x cpu=2,memory=8Gi');
      const run = await submit(
        e2e,
        app,
        { appId: 'spark-3c1e9a7b5d2f4e6a8c0b1d2e3f4a5b6c', uid16: '8d2f6b1a9c3e5d70', submissionId: '0907b7aa-3049-4149-81e8-0d1135b0bc5f' },
        {
          // cores 1, coreLimit 1200m; memory 512m + 384Mi overhead = 896Mi.
          driver: { requests: { cpu: '1', memory: '896Mi' }, limits: { cpu: '1200m', memory: '896Mi' } },
          executor: { requests: { cpu: '1', memory: '896Mi' }, limits: { memory: '896Mi' } },
        },
      );
      // The user's gang name is kept, the alias switched; N from the user's min-available.
      expect(run.driver.metadata?.labels).toMatchObject({ [GANG]: 'spark-pi', [MIN]: '4', 'sparkoperator.k8s.io/app-name': 'spark-pi' });
      expect(run.driver.spec?.schedulerName).toBe('gangplank-scheduler');
      expect(run.driver.metadata?.annotations?.['gangplank.io/executor-count']).toBe('3');
      expect(run.driver.metadata?.annotations?.['gangplank.io/executor-count-source']).toBe('min-available');
      // The webhook read the SparkApplication for the executor shape: 1 cpu, 512m + 384Mi.
      expect(run.driver.metadata?.annotations?.['gangplank.io/executor-resources']).toBe('{"cpu":"1","memory":"896Mi"}');
      expect(run.driver.metadata?.annotations?.['gangplank.io/executor-resources-source']).toBe('sparkapplication');

      const { driver, executors } = await executorsOf(e2e, run, 3);
      const record = expectPlacedWhole(driver, executors, ['sparkoperator.k8s.io/app-name', 'sparkoperator.k8s.io/submission-id', 'sparkoperator.k8s.io/launched-by-spark-operator']);
      expect(record.sources).toEqual({ count: 'min-available', resources: 'spark-properties' });
      for (const s of record.slots.filter((x) => x.role === 'executor')) expect(s.requests).toEqual({ cpu: '1', memory: '896Mi', pods: '1' });
    } finally {
      await cleanup(e2e, 'default', 'spark-pi');
    }
  });

  it('A04 places the guide\'s GPU/NUMA app (driver + 8 one-GPU executors, single-numa) only when all 9 fit zone by zone; no pod spans zones', async () => {
    const app = await applyExample(e2e, 'spark-operator-gpu-numa.yaml');
    try {
      // Two GPU nodes of 2 zones (8 cpu, 64Gi, 2 GPUs each) hold 8 of the 9 pods, and a
      // node whose 4 GPUs sit in 4 zones of 4 cpu and 8Gi holds none of them in one zone
      // (node-wide, its 16 cpu, 32Gi and 4 GPUs would take an executor).
      const nodes = await e2e.nodes('gpu-a cpu=16,memory=128Gi,nvidia.com/gpu=4 numa=2; gpu-b cpu=16,memory=128Gi,nvidia.com/gpu=4 numa=2; gpu-split cpu=16,memory=32Gi,nvidia.com/gpu=4 numa=4');
      const run = await submit(
        e2e,
        app,
        { appId: 'spark-7f1d3b5a9e2c4f6d8a0b2c4e6f8a1b3d', uid16: '2b7d9f1e3a5c6b80', submissionId: '5c0e8a2f-6d14-4b3a-9e71-2f8c4d6a0b15' },
        {
          // A Python app (overhead factor 0.4): driver cores 4, coreLimit 4000m, 8g + 3276Mi = 11468Mi;
          // the operator's pod webhook adds the driver's GPU limit (gpu: nvidia.com/gpu 1).
          driver: { requests: { cpu: '4', memory: '11468Mi' }, limits: { cpu: '4000m', memory: '11468Mi' } },
          // Executors: cores 4, 16g + 6553Mi = 22937Mi; Spark sets the GPU limit from
          // spark.executor.resource.gpu.{amount,vendor} (the operator's webhook sets the same).
          executor: { requests: { cpu: '4', memory: '22937Mi' }, limits: { memory: '22937Mi', [GPU]: '1' } },
        },
      );
      const ns = run.spark.ns;
      const driverName = run.driver.metadata?.name ?? '';
      expect(run.driver.metadata?.annotations).toMatchObject({ 'numa.scheduling.kubenexus.io/policy': 'single-numa', 'numa.scheduling.kubenexus.io/resources': 'cpu,memory,nvidia.com/gpu' });
      expect(run.driver.spec?.containers[0]?.resources?.requests?.[GPU]).toBe('1');

      // 8 zone slots of executor size on gpu-a and gpu-b, the driver needs a 9th: nothing is placed.
      await staysPending(e2e, ns, driverName, 3_000);
      const message = await failedScheduling(e2e, ns, driverName);
      // With the driver on a GPU node, 7 executors fit in zones; the split node takes none.
      expect(message).toContain('+ 8 executors × {cpu 4, memory 22937Mi, nvidia.com/gpu 1}');
      expect(message).toMatch(/only 7 executors fit/);
      expect(message).not.toMatch(/gpu-split: /);

      // A third GPU node: the gang fits zone by zone and is placed whole.
      nodes.push(...(await e2e.nodes('gpu-c cpu=16,memory=128Gi,nvidia.com/gpu=4 numa=2', 'gpu-c')));
      const { driver, executors } = await executorsOf(e2e, run, 8);
      const record = expectPlacedWhole(driver, executors, ['sparkoperator.k8s.io/app-name', 'sparkoperator.k8s.io/submission-id']);
      expect(record.sources).toEqual({ count: 'min-available', resources: 'spark-properties' });
      for (const s of record.slots.filter((x) => x.role === 'executor')) {
        expect(s.requests).toEqual({ cpu: '4', memory: '22937Mi', [GPU]: '1', pods: '1' });
        expect(s.zone).toMatch(/^node-[01]$/);
      }
      const pods = [driver, ...executors];
      for (const p of pods) {
        expect(p.spec?.nodeName, `${p.metadata?.name} not on the node whose zones are too small`).not.toBe('gpu-split');
        expect(p.metadata?.annotations?.['numa.scheduling.kubenexus.io/policy']).toBe('single-numa');
      }
      expectWithinZones(pods, zonesOf(nodes), ['cpu', 'memory', GPU]);
    } finally {
      await cleanup(e2e, 'spark-jobs', 'spark-ml-gpu');
    }
  });

  it('A05 holds the guide\'s structured-streaming app (gang kafka-stream, 1 + 5) back whole until all 6 fit, then places it with its executors on their slots', async () => {
    await createNamespace(e2e, 'spark-jobs');
    await apply(e2e, exampleObjects('spark-operator-gpu-numa.yaml').filter((o) => o.kind === 'ServiceAccount' || o.kind === 'RoleBinding'));
    const app = await applyExample(e2e, 'spark-operator-streaming.yaml');
    try {
      // One node: room for the driver (2 cpu) and 2 of its 5 executors (2 cpu each).
      await e2e.nodes('1x cpu=6,memory=16Gi', 'stream-a');
      const run = await submit(
        e2e,
        app,
        { appId: 'spark-1a2b3c4d5e6f708192a3b4c5d6e7f809', uid16: '6e4c2a0b8d9f1e37', submissionId: 'b3d5f7a9-1c2e-4f60-8a9b-0c1d2e3f4a5b' },
        {
          // JVM app: driver cores 2, 2g + 384Mi = 2432Mi; executors cores 2, 4g + 409Mi = 4505Mi.
          driver: { requests: { cpu: '2', memory: '2432Mi' }, limits: { memory: '2432Mi' } },
          executor: { requests: { cpu: '2', memory: '4505Mi' }, limits: { memory: '4505Mi' } },
        },
      );
      const ns = run.spark.ns;
      const driverName = run.driver.metadata?.name ?? '';
      expect(run.driver.metadata?.labels).toMatchObject({ [GANG]: 'kafka-stream', [MIN]: '6', 'sparkoperator.k8s.io/app-name': 'kafka-stream-processor' });
      await staysPending(e2e, ns, driverName, 3_000);
      // The reason counts: the gang's 5 executors, what fits.
      expect(await failedScheduling(e2e, ns, driverName)).toMatch(/5 executors/);

      // A second node makes room for all 6 (12 cpu): placed whole.
      await e2e.nodes('1x cpu=6,memory=16Gi', 'stream-b');
      const { driver, executors } = await executorsOf(e2e, run, 5);
      const record = expectPlacedWhole(driver, executors, ['sparkoperator.k8s.io/app-name']);
      for (const s of record.slots.filter((x) => x.role === 'executor')) expect(s.requests).toEqual({ cpu: '2', memory: '4505Mi', pods: '1' });
      expect(new Set([driver, ...executors].map((p) => p.spec?.nodeName))).toEqual(new Set(['stream-a-0', 'stream-b-0']));
    } finally {
      await cleanup(e2e, 'spark-jobs', 'kafka-stream-processor');
    }
  });
});
