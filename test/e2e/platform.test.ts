// Issue 8, item 5, on the real control plane: the platform's other submission
// paths, from the examples users apply (examples/kyuubi-lightweight.yaml,
// examples/dbt-kyuubi-airflow.yaml, examples/spark-connect-dynamic.yaml), with
// Gangplank installed from the chart with examples/gangplank-values.yaml.
// Kyuubi, dbt, Airflow and Spark are not here: the test plays them
// (./support/submitters.ts) from the examples' own configuration — Kyuubi's
// engine configuration and names, the pod templates Spark starts from, dbt's
// session parameters with Airflow's environment — and creates executors only
// once their driver is bound, as the running driver does.
// Scenario IDs: src/gang/TESTS.md (A06-A09).
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ManifestObject } from '../../dev/cluster/apply.js';
import { waitFor } from '../../dev/cluster/process.js';
import { useLocalCluster, type E2E } from './support/cluster.js';
import {
  apply,
  bound,
  createNamespace,
  deletePods,
  exampleGangplankConfig,
  exampleObjects,
  expectPlacedWhole,
  failedScheduling,
  GANG,
  SLOT,
  staysPending,
} from './support/placement.js';
import { driverPod, executorPod } from './support/spark.js';
import { kyuubiEngineConf, podTemplate, properties, renderDbt, sparkConfMap, sparkDriver, sparkExecutor, type Conf, type SparkApp } from './support/submitters.js';

const KYUUBI = 'kyuubi';
const DATA_PLATFORM_TAINT = { key: 'workload-type', value: 'data-platform', effect: 'NoSchedule' };
// What Spark asks for with kyuubi-defaults: cpu request 500m (request.cores; the
// template's cpu limit 500m stays), memory 1g + 384Mi overhead = 1408Mi, request = limit.
const ENGINE_POD = { requests: { cpu: '500m', memory: '1408Mi' }, limits: { memory: '1408Mi' } };
const ENGINE_JAR = ['--class', 'org.apache.kyuubi.engine.spark.SparkSQLEngine', 'local:///opt/kyuubi/externals/engines/spark/kyuubi-spark-sql-engine_2.12-1.10.0.jar'];

function configMap(objects: readonly ManifestObject[], name: string): V1ConfigMap {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  if (!cm) throw new Error(`no ConfigMap ${name} in the example`);
  return cm as unknown as V1ConfigMap;
}

/** Apply examples/kyuubi-lightweight.yaml; wait until the webhook applies its driver template (it watches the ConfigMap). */
async function installKyuubi(e2e: E2E): Promise<{ objects: ManifestObject[]; templates: { driver: V1Pod; executor: V1Pod } }> {
  const objects = exampleObjects('kyuubi-lightweight.yaml');
  await createNamespace(e2e, KYUUBI);
  await apply(e2e, objects.filter((o) => o.kind !== 'Namespace'));
  const probe: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'probe-driver', namespace: KYUUBI, labels: { 'spark-role': 'driver', 'spark-app-selector': 'spark-00000000000000000000000000000002' } },
    spec: { containers: [{ name: 'spark-kubernetes-driver', image: 'x' }] },
  };
  await waitFor(
    "the webhook to see the Kyuubi profile's driver template",
    async () => {
      const p = await e2e.client().request<V1Pod>({ method: 'POST', path: `/api/v1/namespaces/${KYUUBI}/pods?dryRun=All`, body: probe });
      return p.metadata?.labels?.['workload-type'] === 'spark-driver';
    },
    30_000,
    () => '',
    200,
  );
  return {
    objects,
    templates: {
      driver: podTemplate(configMap(objects, 'spark-driver-template'), 'driver-template.yaml'),
      executor: podTemplate(configMap(objects, 'spark-executor-template'), 'executor-template.yaml'),
    },
  };
}

/** Data-platform nodes as the Kyuubi page plans them: linux, tainted workload-type=data-platform:NoSchedule. */
async function dataPlatformNodes(e2e: E2E, description: string, prefix: string): Promise<string[]> {
  const nodes = await e2e.nodes(description, prefix);
  for (const n of nodes) {
    await e2e.client().request({ method: 'PATCH', path: `/api/v1/nodes/${n.metadata?.name}`, patchType: 'merge', body: { spec: { taints: [DATA_PLATFORM_TAINT] } } });
  }
  return nodes.map((n) => n.metadata?.name ?? '');
}

interface Engine {
  readonly spark: SparkApp;
  readonly driver: V1Pod;
}

/** Kyuubi launches an engine: spark-submit creates the driver (from the driver template) and its spark.properties. */
async function launchEngine(e2e: E2E, spark: SparkApp): Promise<Engine> {
  const driver = await e2e.createPod(sparkDriver(spark));
  await e2e.client().request({ method: 'POST', path: `/api/v1/namespaces/${spark.ns}/configmaps`, body: sparkConfMap(spark, driver) });
  return { spark, driver };
}

/** The bound driver creates its executors from the executor template; wait for all to bind. */
async function engineExecutors(e2e: E2E, engine: Engine, n: number): Promise<{ driver: V1Pod; executors: V1Pod[] }> {
  const { ns } = engine.spark;
  const driver = await e2e.waitForPod(ns, engine.driver.metadata?.name ?? '', 'to be bound', bound, 60_000);
  const names: string[] = [];
  for (let i = 1; i <= n; i++) names.push((await e2e.createPod(sparkExecutor(engine.spark, driver, i))).metadata?.name ?? '');
  const executors: V1Pod[] = [];
  for (const name of names) executors.push(await e2e.waitForPod(ns, name, 'to be bound into its reservation', bound, 60_000));
  return { driver: await e2e.getPod(ns, driver.metadata?.name ?? ''), executors };
}

function engineApp(conf: Conf, ids: { appId: string; uid16: string }, templates: { driver: V1Pod; executor: V1Pod }): SparkApp {
  return {
    ns: KYUUBI,
    conf,
    ...ids,
    sparkVersion: '3.5.0',
    main: ENGINE_JAR,
    driverTemplate: templates.driver,
    executorTemplate: templates.executor,
    driver: ENGINE_POD,
    executor: ENGINE_POD,
  };
}

async function cleanupKyuubi(e2e: E2E): Promise<void> {
  await deletePods(e2e, KYUUBI);
  const list = await e2e.client().request<{ items: V1ConfigMap[] }>({ path: `/api/v1/namespaces/${KYUUBI}/configmaps` });
  for (const cm of list.items.filter((c) => c.metadata?.name?.startsWith('spark-drv-'))) {
    await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${KYUUBI}/configmaps/${cm.metadata?.name}` }).catch(() => undefined);
  }
}

describe('Kyuubi engines, dbt through Kyuubi, and a Spark Connect server, on the real kube-scheduler', () => {
  const e2e = useLocalCluster({ gangplankConfig: exampleGangplankConfig() });

  it('A06 places Kyuubi engines of each share level (USER, SERVER, CONNECTION) whole on the tainted linux nodes; one that does not fit waits whole', async () => {
    const { objects, templates } = await installKyuubi(e2e);
    try {
      // 4 cpu of data-platform nodes: two engines of 1.5 cpu, not three. A large
      // windows node without the taint is no place for them (nodeSelector linux).
      const linux = await dataPlatformNodes(e2e, '2x cpu=2,memory=8Gi', 'dp');
      await e2e.nodes('1x cpu=16,memory=64Gi kubernetes.io/os=windows', 'win');
      const confs = configMap(objects, 'kyuubi-defaults').data ?? {};
      const userLevel = properties(confs['kyuubi-dbt.conf'] ?? '');
      const serverLevel = properties(confs['kyuubi-dbt-shared.conf'] ?? '');
      const engines = {
        USER: engineApp(
          kyuubiEngineConf({ conf: userLevel, user: 'alice', engineRefId: '6b1c0f9e-2c1d-4a57-9b0e-3f4a5b6c7d8e' }),
          { appId: 'spark-0a1b2c3d4e5f60718293a4b5c6d7e8f9', uid16: '1a2b3c4d5e6f7081' },
          templates,
        ),
        SERVER: engineApp(
          kyuubiEngineConf({ conf: serverLevel, user: 'bob', serverUser: 'kyuubi', engineRefId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b' }),
          { appId: 'spark-f0e1d2c3b4a5968778695a4b3c2d1e0f', uid16: '2b3c4d5e6f708192' },
          templates,
        ),
        CONNECTION: engineApp(
          kyuubiEngineConf({ conf: { ...userLevel, 'kyuubi.engine.share.level': 'CONNECTION' }, user: 'carol', engineRefId: '3c4d5e6f-7081-4a2b-9c3d-4e5f60718293' }),
          { appId: 'spark-5566778899aabbccddeeff0011223344', uid16: '3c4d5e6f70819203' },
          templates,
        ),
      };
      const placed: Record<string, { driver: V1Pod; executors: V1Pod[] }> = {};
      for (const level of ['USER', 'SERVER'] as const) {
        const engine = await launchEngine(e2e, engines[level]);
        placed[level] = await engineExecutors(e2e, engine, 2);
      }
      const third = await launchEngine(e2e, engines.CONNECTION);
      const thirdName = third.driver.metadata?.name ?? '';
      await staysPending(e2e, KYUUBI, thirdName, 3_000);
      // 1 cpu is left: the driver would fit, and one executor beside it, not both.
      expect(await failedScheduling(e2e, KYUUBI, thirdName)).toMatch(/driver \+ 2 executors need 3 × \{cpu 500m, memory 1408Mi\}; only 1 executor fit/);

      // The USER engine ends (Kyuubi's idle time-out): the CONNECTION engine is placed whole.
      for (const p of [placed.USER!.driver, ...placed.USER!.executors]) {
        await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${KYUUBI}/pods/${p.metadata?.name}`, body: { gracePeriodSeconds: 0 } });
      }
      placed.CONNECTION = await engineExecutors(e2e, third, 2);

      const gangs = new Set<string>();
      for (const [level, { driver, executors }] of Object.entries(placed)) {
        const record = expectPlacedWhole(driver, executors, ['app.kubernetes.io/name', 'app.kubernetes.io/part-of']);
        expect(record.sources, level).toEqual({ count: 'spark-properties', resources: 'spark-properties' });
        for (const s of record.slots.filter((x) => x.role === 'executor')) expect(s.requests, level).toEqual({ cpu: '500m', memory: '1408Mi', pods: '1' });
        // Kyuubi's names: the share level is in spark.app.name, hence in spark-app-name and the gang name.
        const appName = driver.metadata?.labels?.['spark-app-name'] ?? '';
        expect(appName.startsWith(`kyuubi-${level.toLowerCase()}-spark-sql-`), `${level}: ${appName}`).toBe(true);
        expect(driver.metadata?.labels?.[GANG]?.startsWith(`kyuubi-${level.toLowerCase()}-spark-sql-`)).toBe(true);
        gangs.add(driver.metadata?.labels?.[GANG] ?? '');
        // Kyuubi tags the driver only; the executors joined its gang through their owner, the driver.
        expect(driver.metadata?.labels?.['kyuubi-unique-tag']).toBe(engines[level as keyof typeof engines].conf['spark.kubernetes.driver.label.kyuubi-unique-tag']);
        expect(driver.metadata?.labels).toMatchObject({ 'app.kubernetes.io/component': 'driver', 'workload-type': 'spark-driver' });
        for (const e of executors) {
          expect(e.metadata?.labels?.['kyuubi-unique-tag']).toBeUndefined();
          expect(e.metadata?.labels).toMatchObject({ 'app.kubernetes.io/component': 'executor', 'workload-type': 'spark-executor' });
        }
        for (const p of [driver, ...executors]) {
          expect(linux).toContain(p.spec?.nodeName);
          expect(p.spec?.serviceAccountName).toBe('kyuubi-sa');
          expect(p.spec?.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
          expect(p.spec?.tolerations).toContainEqual({ key: 'workload-type', operator: 'Equal', value: 'data-platform', effect: 'NoSchedule' });
        }
      }
      expect(gangs.size).toBe(3);
    } finally {
      await cleanupKyuubi(e2e);
    }
  });

  it('A07 puts the Airflow dag, task and run on a dbt engine\'s driver and executors (dbt-spark-<dag>-exec-N) and places it whole', async () => {
    const { objects, templates } = await installKyuubi(e2e);
    const dbt = exampleObjects('dbt-kyuubi-airflow.yaml');
    await apply(e2e, dbt);
    try {
      await dataPlatformNodes(e2e, '2x cpu=2,memory=8Gi', 'dbt');
      // The dbt pod Airflow starts for DAG analytics_pipeline_v2, task run_staging_models.
      const airflow = { AIRFLOW_DAG_ID: 'analytics_pipeline_v2', AIRFLOW_TASK_ID: 'run_staging_models', AIRFLOW_RUN_ID: 'manual__2024-01-15T10:30:00' };
      const profiles = parse(configMap(dbt, 'dbt-profiles').data?.['profiles.yml'] ?? '') as {
        analytics: { outputs: { dev: { server_side_parameters: Record<string, string> } } };
      };
      const session = Object.fromEntries(Object.entries(profiles.analytics.outputs.dev.server_side_parameters).map(([k, v]) => [k, renderDbt(v, airflow)]));
      const server = properties(configMap(objects, 'kyuubi-defaults').data?.['kyuubi-dbt.conf'] ?? '');
      const conf = kyuubiEngineConf({ conf: { ...server, ...session }, user: 'dbt', engineRefId: '7d3e5b1a-0c2f-4e6d-8a9b-1c2d3e4f5a6b' });
      expect(conf['spark.kyuubi.engine.share.level']).toBe('CONNECTION');
      const engine = await launchEngine(e2e, engineApp(conf, { appId: 'spark-7d3e5b1a9c0f4e6d8a9b1c2d3e4f5a6b', uid16: '4d5e6f7081920314' }, templates));
      const { driver, executors } = await engineExecutors(e2e, engine, 2);

      expect(executors.map((e) => e.metadata?.name)).toEqual(['dbt-spark-analytics-pipeline-v2-exec-1', 'dbt-spark-analytics-pipeline-v2-exec-2']);
      expect(driver.metadata?.labels?.[GANG]).toBe('analytics-pipeline-v2-run-staging-models-7d3e5b1a');
      // Airflow's values as labels; the run id's ':' is not allowed in a label value.
      expect(driver.metadata?.labels).toMatchObject({ dag: 'analytics_pipeline_v2', task: 'run_staging_models', run: 'manual__2024-01-15T10-30-00' });
      expectPlacedWhole(driver, executors, ['dag', 'task', 'run', 'spark-app-name', 'app.kubernetes.io/part-of']);
    } finally {
      await cleanupKyuubi(e2e);
    }
  });

  it('A08 reserves a Spark Connect server\'s minimum executors with it; extra executors take only free room, never another gang\'s reservation', async () => {
    const objects = exampleObjects('spark-connect-dynamic.yaml');
    const ns = 'spark-connect';
    await createNamespace(e2e, ns);
    await apply(e2e, objects.filter((o) => o.kind !== 'Namespace'));
    const batchNs = await e2e.namespace('batch');
    try {
      // 7 cpu: the server and its 2 reserved executors (3), another team's gang of a driver
      // and 2 executors (3), and 1 cpu that no gang holds.
      await e2e.nodes('conn-a cpu=4,memory=16Gi; conn-b cpu=3,memory=16Gi');
      const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: V1Pod } };
      // The ReplicaSet controller's pod (there is none here): the template, a generated name.
      const template = structuredClone(deployment.spec.template);
      const server = await e2e.createPod({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...template.metadata, name: 'spark-connect-server-7c9d8f6b5-x2k4q', namespace: ns, labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': '7c9d8f6b5' } },
        spec: template.spec,
      });
      // The webhook read minExecutors from the server's command line: N = 2 of {cpu 1, memory 2g + 384Mi}.
      expect(server.metadata?.annotations).toMatchObject({
        'gangplank.io/executor-count': '2',
        'gangplank.io/executor-count-source': 'spark-conf',
        'gangplank.io/executor-resources': '{"cpu":"1","memory":"2432Mi"}',
        'gangplank.io/executor-resources-source': 'spark-conf',
      });
      const running = await e2e.waitForPod(ns, 'spark-connect-server-7c9d8f6b5-x2k4q', 'to be bound with its 2 executors reserved', bound, 60_000);

      // Another team's gang takes all the room but 1 cpu.
      const batch = { ns: batchNs, app: 'nightly', executors: 2 };
      await e2e.createPod(driverPod(batch));
      const batchDriver = await e2e.waitForPod(batchNs, 'nightly-driver', 'to be bound', bound, 60_000);

      // The server's executors as Spark creates them in client mode: owned by the
      // server pod (spark.kubernetes.driver.pod.name), named after the app.
      const args = template.spec?.containers[0]?.command ?? [];
      const conf: Conf = { 'spark.app.name': 'Spark Connect server' };
      args.forEach((a, i) => {
        if (args[i - 1] === '--conf') conf[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
      });
      const spark: SparkApp = {
        ns,
        conf,
        appId: 'spark-c0ffee00112233445566778899aabbcc',
        uid16: '5e6f708192a3b4c5',
        sparkVersion: '4.0.1',
        main: [],
        driver: { requests: {} },
        // cores 1; memory 2g + max(384Mi, 0.1 x 2g) = 2432Mi.
        executor: { requests: { cpu: '1', memory: '2432Mi' }, limits: { memory: '2432Mi' } },
      };
      const exec = async (id: number): Promise<string> => (await e2e.createPod(sparkExecutor(spark, running, id))).metadata?.name ?? '';
      // Spark starts with minExecutors: both land on their slots.
      const first = [await exec(1), await exec(2)];
      const reserved: V1Pod[] = [];
      for (const name of first) reserved.push(await e2e.waitForPod(ns, name, 'to be bound into its reservation', bound, 60_000));
      const record = expectPlacedWhole(await e2e.getPod(ns, running.metadata?.name ?? ''), reserved);
      expect(record.sources).toEqual({ count: 'spark-conf', resources: 'spark-conf' });

      // Under load Spark asks for 2 more (maxExecutors 4): one fits in the free cpu, the other would need the nightly gang's room.
      const third = await exec(3);
      const fourth = await exec(4);
      const extra = await e2e.waitForPod(ns, third, 'to be bound in free room', bound, 60_000);
      expect(extra.metadata?.annotations?.[SLOT]).toBe('none');
      expect(extra.metadata?.labels?.[GANG]).toBe(running.metadata?.labels?.[GANG]);
      await staysPending(e2e, ns, fourth, 3_000);

      // The nightly gang's executors arrive and land on their slots: nothing of theirs was taken.
      const batchExecutors: V1Pod[] = [];
      for (let i = 1; i <= 2; i++) await e2e.createPod(executorPod(batch, batchDriver, i));
      for (let i = 1; i <= 2; i++) batchExecutors.push(await e2e.waitForPod(batchNs, `nightly-exec-${i}`, 'to be bound into its reservation', bound, 60_000));
      expectPlacedWhole(await e2e.getPod(batchNs, 'nightly-driver'), batchExecutors);
      expect((await e2e.getPod(ns, fourth)).spec?.nodeName).toBeFalsy();

      // The nightly run ends: its room is free, and the fourth executor gets it.
      for (const name of ['nightly-driver', 'nightly-exec-1', 'nightly-exec-2']) {
        await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${batchNs}/pods/${name}`, body: { gracePeriodSeconds: 0 } });
      }
      const late = await e2e.waitForPod(ns, fourth, 'to be bound once free room exists', bound, 60_000);
      expect(late.metadata?.annotations?.[SLOT]).toBe('none');
    } finally {
      await deletePods(e2e, ns);
    }
  });

  it('A09 places the kind demo (examples/spark-pi-spark-submit.yaml, nothing in it names Gangplank) whole: 2 executors from its spark.properties on their slots', async () => {
    const objects = exampleObjects('spark-pi-spark-submit.yaml');
    const ns = 'spark-demo';
    await createNamespace(e2e, ns);
    try {
      await e2e.nodes('1x cpu=3,memory=8Gi', 'demo');
      await apply(e2e, objects.filter((o) => o.kind === 'ServiceAccount' || o.kind === 'RoleBinding'));
      // As spark-submit: the driver pod first, then its ConfigMap and Service, owned by it.
      const driver = await e2e.createPod(objects.find((o) => o.kind === 'Pod') as unknown as V1Pod);
      const owner = { apiVersion: 'v1', kind: 'Pod', name: driver.metadata?.name ?? '', uid: driver.metadata?.uid ?? '', controller: true };
      await apply(
        e2e,
        objects.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Service').map((o) => ({ ...o, metadata: { ...o.metadata, ownerReferences: [owner] } })),
      );
      expect(driver.spec?.schedulerName).toBe('gangplank-scheduler');
      const running = await e2e.waitForPod(ns, 'spark-pi-driver', 'to be bound with room for its executors', bound, 60_000);
      const props = properties(configMap(objects, 'spark-drv-9c4e1a7b3d2f6e08-conf-map').data?.['spark.properties'] ?? '');
      const spark: SparkApp = {
        ns,
        conf: props,
        appId: props['spark.app.id'] ?? '',
        uid16: '3f1c2b7a9d8e6f05',
        sparkVersion: '3.5.5',
        main: [],
        driver: { requests: {} },
        // spark.executor.instances=2 of Spark's default shape: cpu 1, memory 1g + 384Mi.
        executor: { requests: { cpu: '1', memory: '1408Mi' }, limits: { memory: '1408Mi' } },
      };
      const names: string[] = [];
      for (let i = 1; i <= 2; i++) names.push((await e2e.createPod(sparkExecutor(spark, running, i))).metadata?.name ?? '');
      const executors: V1Pod[] = [];
      for (const name of names) executors.push(await e2e.waitForPod(ns, name, 'to be bound into its reservation', bound, 60_000));
      expect(names).toEqual(['spark-pi-3f1c2b7a9d8e6f05-exec-1', 'spark-pi-3f1c2b7a9d8e6f05-exec-2']);
      const record = expectPlacedWhole(await e2e.getPod(ns, 'spark-pi-driver'), executors);
      expect(record.sources).toEqual({ count: 'spark-properties', resources: 'spark-properties' });
    } finally {
      await deletePods(e2e, ns);
    }
  });
});
