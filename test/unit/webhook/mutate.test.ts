import type { V1ConfigMap } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { mutate } from '../../../src/webhook/mutate.js';
import type { SparkApplication } from '../../../src/webhook/sparkapp.js';
import { makePod } from '../../support/pod.js';
import { config, context } from '../../support/webhook.js';

const SEL = 'spark-aa11bb22cc33dd44ee55ff6600112233';
const driver = () => makePod('pi-driver').ns('spark').uid('drv-uid').sparkApp('spark-pi', SEL).role('driver');
const executor = () => makePod('pi-exec-1').ns('spark').sparkApp('spark-pi', SEL).role('executor').executorOf('pi-driver', 'drv-uid', 1);
const ann = (p: ReturnType<typeof mutate>) => p.pod.metadata?.annotations ?? {};
const lbl = (p: ReturnType<typeof mutate>) => p.pod.metadata?.labels ?? {};

const sparkApp = (spec: SparkApplication['spec'], name = 'spark-pi'): SparkApplication => ({
  apiVersion: 'sparkoperator.k8s.io/v1beta2',
  kind: 'SparkApplication',
  metadata: { name, namespace: 'spark', uid: 'app-uid' },
  spec,
});
const operatorDriver = () => makePod('spark-pi-driver').ns('spark').sparkOperator('spark-pi').label('spark-app-selector', SEL).role('driver');

describe('executor count N on the driver, in order of precedence', () => {
  const cfg = config({ profiles: [{ name: 'p', executorInstances: 7 }] });
  it.each([
    { name: 'annotation wins over everything', pod: driver().annotation('gangplank.io/executor-count', '5').gang('x', 4), apps: [], want: 5, source: 'annotation', warn: /min-available 4 corrected to 6/ },
    { name: 'seed min-available label: N = value - 1', pod: driver().gang('x', 4), apps: [], want: 3, source: 'min-available', warn: undefined },
    { name: 'bad annotation falls through with a warning', pod: driver().annotation('gangplank.io/executor-count', 'many'), apps: [], want: 7, source: 'profile', warn: /executor-count is not a whole number: "many"; ignored/ },
    { name: 'profile executorInstances', pod: driver(), apps: [], want: 7, source: 'profile', warn: undefined },
    { name: 'SparkApplication instances', pod: operatorDriver(), apps: [sparkApp({ executor: { instances: 20 } })], want: 20, source: 'sparkapplication', warn: undefined },
    { name: 'SparkApplication dynamic allocation: max(min, initial, instances)', pod: operatorDriver(), apps: [sparkApp({ dynamicAllocation: { enabled: true, initialExecutors: 3, minExecutors: 5 } })], want: 5, source: 'sparkapplication', warn: undefined },
    { name: 'a SparkApplication that says nothing about N leaves it to the profile', pod: operatorDriver(), apps: [sparkApp({ executor: { cores: 2 } })], want: 7, source: 'profile', warn: undefined },
    { name: 'label beats SparkApplication', pod: operatorDriver().gang('spark-pi', 4), apps: [sparkApp({ executor: { instances: 20 } })], want: 3, source: 'min-available', warn: undefined },
    { name: 'spark-submit flags in the driver\'s own command (client mode)', pod: driver().args('spark-submit', '--master', 'k8s://x', '--num-executors', '6', 'app.jar', '--num-executors', '99'), apps: [], want: 6, source: 'spark-conf', warn: undefined },
    { name: 'a source the webhook wrote before is kept (reinvocation)', pod: driver().annotations({ 'gangplank.io/executor-count': '7', 'gangplank.io/executor-count-source': 'profile' }), apps: [], want: 7, source: 'profile', warn: undefined },
  ])('$name', ({ pod, apps, want, source, warn }) => {
    const r = mutate(pod.asAdmitted().obj(), context(cfg, { namespace: 'spark', sparkApplications: apps }));
    expect(ann(r)['gangplank.io/executor-count']).toBe(String(want));
    expect(ann(r)['gangplank.io/executor-count-source']).toBe(source);
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/min-available']).toBe(String(want + 1));
    if (warn) expect(r.warnings.join('\n')).toMatch(warn);
  });
  it('no source: N is left to the extender (no count, no min-available: Spark\'s default is not invented)', () => {
    const r = mutate(driver().asAdmitted().obj(), context(config({ profiles: [{ name: 'p' }] }), { namespace: 'spark' }));
    expect(ann(r)['gangplank.io/executor-count']).toBeUndefined();
    expect(ann(r)['gangplank.io/executor-count-source']).toBeUndefined();
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/min-available']).toBeUndefined();
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/name']).toBe('spark-pi-aa11bb22');
  });
});

describe('executor resources on the driver', () => {
  it.each([
    {
      name: 'seed GPU SparkApplication (Python, 16g, 4 cores, 1 GPU)',
      app: sparkApp({ type: 'Python', executor: { cores: 4, instances: 8, memory: '16g', gpu: { name: 'nvidia.com/gpu', quantity: 1 } } }),
      want: '{"cpu":"4","memory":"22937Mi","nvidia.com/gpu":"1"}',
    },
    {
      name: 'seed data-processing (explicit 1g overhead)',
      app: sparkApp({ type: 'Python', executor: { cores: 2, instances: 20, memory: '8g', memoryOverhead: '1g' } }),
      want: '{"cpu":"2","memory":"9Gi"}',
    },
    {
      name: 'Scala, coreRequest',
      app: sparkApp({ type: 'Scala', executor: { cores: 2, coreRequest: '1800m', memory: '2g' } }),
      want: '{"cpu":"1800m","memory":"2432Mi"}',
    },
    {
      name: 'sparkConf read, typed fields win',
      app: sparkApp({ type: 'Scala', sparkConf: { 'spark.executor.memory': '4g', 'spark.executor.cores': '3' }, executor: { memory: '2g' } }),
      want: '{"cpu":"3","memory":"2432Mi"}',
    },
  ])('$name', ({ app, want }) => {
    const r = mutate(operatorDriver().asAdmitted().obj(), context(config(), { namespace: 'spark', sparkApplications: [app] }));
    expect(ann(r)['gangplank.io/executor-resources']).toBe(want);
    expect(ann(r)['gangplank.io/executor-resources-source']).toBe('sparkapplication');
  });
  it('profile executorDefaults when nothing else says', () => {
    const cfg = config({ profiles: [{ name: 'p', executorDefaults: { cores: 2, memory: '4g', gpus: 1 } }] });
    expect(ann(mutate(driver().asAdmitted().obj(), context(cfg)))['gangplank.io/executor-resources']).toBe('{"cpu":"2","memory":"4505Mi","nvidia.com/gpu":"1"}');
  });
  it('a PySpark driver (PythonRunner) gets the 0.4 non-JVM factor', () => {
    const cfg = config({ profiles: [{ name: 'p', executorDefaults: { memory: '4g' } }] });
    const pod = driver().args('driver', '--properties-file', '/opt/spark/conf/spark.properties', '--class', 'org.apache.spark.deploy.PythonRunner', 'local:///app/main.py');
    expect(ann(mutate(pod.asAdmitted().obj(), context(cfg)))['gangplank.io/executor-resources']).toBe('{"cpu":"1","memory":"5734Mi"}');
  });
  it("the user's own annotation is kept as written, with source annotation", () => {
    const pod = driver().annotation('gangplank.io/executor-resources', '{"memory":"5Gi","cpu":"3000m"}');
    const r = mutate(pod.asAdmitted().obj(), context(config()));
    expect(ann(r)['gangplank.io/executor-resources']).toBe('{"memory":"5Gi","cpu":"3000m"}');
    expect(ann(r)['gangplank.io/executor-resources-source']).toBe('annotation');
  });
  it('a malformed resources annotation goes, with a warning, when nothing else tells the shape', () => {
    const r = mutate(driver().annotation('gangplank.io/executor-resources', '{"cpu":"lots"}').asAdmitted().obj(), context(config()));
    expect(ann(r)['gangplank.io/executor-resources']).toBeUndefined();
    expect(r.warnings.join()).toMatch(/executor-resources the value: cpu: .*; ignored/);
  });
  it('nothing known: no shape, no source, no layers', () => {
    const r = mutate(driver().asAdmitted().obj(), context(config()));
    expect(Object.keys(ann(r)).filter((k) => k.startsWith('gangplank.io/'))).toEqual([]);
  });
  it('the profile\'s executorDefaults are a profile source', () => {
    const cfg = config({ profiles: [{ name: 'p', executorDefaults: { cores: 2, memory: '4g' } }] });
    const r = mutate(driver().asAdmitted().obj(), context(cfg));
    expect(ann(r)['gangplank.io/executor-resources']).toBe('{"cpu":"2","memory":"4505Mi"}');
    expect(ann(r)['gangplank.io/executor-resources-source']).toBe('profile');
  });
  it('a profile that caps executors records the cap as resource layers, for the extender to apply to spark.properties', () => {
    const cfg = config({ profiles: [{ name: 'p', executor: { overrides: { spec: { containers: [{ name: 'spark-kubernetes-executor', resources: { limits: { cpu: '500m', memory: '1Gi' } } }] } } } }] });
    const r = mutate(driver().asAdmitted().obj(), context(cfg));
    expect(ann(r)['gangplank.io/executor-resources']).toBe('{"cpu":"500m","memory":"1Gi"}');
    expect(ann(r)['gangplank.io/executor-resources-source']).toBe('profile');
    expect(JSON.parse(ann(r)['gangplank.io/executor-resource-layers'] ?? 'null')).toEqual({ overrides: { limits: { cpu: '500m', memory: '1Gi' } } });
  });
  it('executor template sidecars count in the executor shape', () => {
    const cfg = config({ profiles: [{ name: 'p', executor: { template: { spec: { containers: [{ name: 'spark-kubernetes-executor' }, { name: 'sidecar', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } } } }] });
    const r = mutate(driver().asAdmitted().obj(), context(cfg));
    expect(ann(r)['gangplank.io/executor-resources']).toBe('{"cpu":"1100m","memory":"1472Mi"}');
    expect(JSON.parse(ann(r)['gangplank.io/executor-resource-layers'] ?? 'null')).toEqual({ containers: [{ requests: { cpu: '100m', memory: '64Mi' } }] });
  });
  it('an unparsable SparkApplication memory gives a warning and no resources annotation', () => {
    const r = mutate(operatorDriver().asAdmitted().obj(), context(config(), { namespace: 'spark', sparkApplications: [sparkApp({ executor: { memory: 'lots' } })] }));
    expect(ann(r)['gangplank.io/executor-resources']).toBeUndefined();
    expect(r.warnings.join()).toMatch(/cannot tell one executor's resources: spark.executor.memory: not a Spark size/);
  });
});

describe('executor constraints on the driver', () => {
  it('recorded when the executor template places executors elsewhere', () => {
    const cfg = config({
      profiles: [
        {
          name: 'p',
          driver: { template: { spec: { nodeSelector: { pool: 'drivers' } } } },
          executor: { template: { spec: { nodeSelector: { pool: 'executors' }, tolerations: [{ key: 'spot', operator: 'Exists', effect: 'NoSchedule' }] } } },
        },
      ],
    });
    const r = mutate(driver().asAdmitted().obj(), context(cfg));
    const c = JSON.parse(ann(r)['gangplank.io/executor-constraints'] as string) as { nodeSelector: object; tolerations: { key: string }[] };
    expect(c.nodeSelector).toEqual({ pool: 'executors' });
    expect(c.tolerations.map((t) => t.key)).toEqual(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'spot']);
    expect(r.pod.spec?.nodeSelector).toEqual({ pool: 'drivers' });
  });
  it('recorded from the SparkApplication executor affinity (seed node-type example)', () => {
    const app = sparkApp({
      driver: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-type', operator: 'In', values: ['spark-driver'] }] }] } } } },
      executor: { instances: 2, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-type', operator: 'In', values: ['spark-executor'] }] }] } } } },
    });
    const pod = operatorDriver().requireNode('node-type', ['spark-driver']).asAdmitted().obj();
    const r = mutate(pod, context(config(), { namespace: 'spark', sparkApplications: [app] }));
    const c = JSON.parse(ann(r)['gangplank.io/executor-constraints'] as string) as { requiredNodeAffinity: { nodeSelectorTerms: { matchExpressions: { values: string[] }[] }[] } };
    expect(c.requiredNodeAffinity.nodeSelectorTerms[0]?.matchExpressions[0]?.values).toEqual(['spark-executor']);
  });
  it('absent when executors are placed as the driver is', () => {
    const r = mutate(driver().nodeSelector({ pool: 'spark' }).asAdmitted().obj(), context(config()));
    expect(ann(r)['gangplank.io/executor-constraints']).toBeUndefined();
  });
});

describe('executors', () => {
  it("take min-available from their driver in the cache", () => {
    const d = driver().annotation('gangplank.io/executor-count', '9').obj();
    const r = mutate(executor().asAdmitted().obj(), context(config(), { namespace: 'spark', drivers: [d] }));
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/min-available']).toBe('10');
  });
  it("take min-available from their driver's plan (the gang record the extender wrote at bind) before its annotations", () => {
    const slot = (id: string, role: string) => ({ id, role, node: 'n1', requests: { cpu: '2', memory: '1408Mi' } });
    const record = { version: 1, namespace: 'spark', name: 'spark-pi-aa11bb22', kind: 'driver-led', anchor: { name: 'pi-driver', uid: 'drv-uid' }, createdAt: '2026-01-01T00:00:00Z', plannedAt: '2026-01-01T00:00:01Z', timeoutSeconds: 300, slots: [slot('d', 'driver'), ...['e1', 'e2', 'e3', 'e4'].map((id) => slot(id, 'executor'))], sources: { count: 'spark-properties', resources: 'spark-properties' } };
    const d = driver().annotation('gangplank.io/gang-record', JSON.stringify(record)).obj();
    const r = mutate(executor().asAdmitted().obj(), context(config(), { namespace: 'spark', drivers: [d] }));
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/min-available']).toBe('5');
  });
  it('keep their own gang labels when the driver is unknown (standalone)', () => {
    const r = mutate(executor().gang('whatever', 6).asAdmitted().obj(), context(config(), { namespace: 'spark' }));
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/min-available']).toBe('6');
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/name']).toBe('whatever');
    expect(r.warnings).toEqual([]);
  });
  it("take their driver's gang name, correcting theirs with a warning (the seed's different gang names)", () => {
    const d = driver().gang('my-job-driver', 3).obj();
    const r = mutate(executor().gang('my-job-executor', 3).asAdmitted().obj(), context(config(), { namespace: 'spark', drivers: [d] }));
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/name']).toBe('my-job-driver');
    expect(r.warnings.join()).toMatch(/"my-job-executor" corrected to my-job-driver/);
  });
  it('find a driver without an ownerReference by spark-app-selector', () => {
    const d = driver().gang('spark-pi', 3).obj();
    const e = executor().asAdmitted().obj();
    delete e.metadata?.ownerReferences;
    const r = mutate(e, context(config(), { namespace: 'spark', drivers: [d] }));
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/name']).toBe('spark-pi');
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/min-available']).toBe('3');
  });
  it('ignore a cached driver of the same name but another uid (an older run)', () => {
    const d = driver().uid('older').gang('old-run', 5).obj();
    const r = mutate(executor().asAdmitted().obj(), context(config(), { namespace: 'spark', drivers: [d] }));
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/name']).toBe('spark-pi-aa11bb22');
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/min-available']).toBeUndefined();
  });
  it('never get the driver annotations', () => {
    const r = mutate(executor().asAdmitted().obj(), context(config()));
    expect(Object.keys(ann(r)).filter((k) => k.startsWith('gangplank.io/'))).toEqual([]);
  });
});

describe('other rules', () => {
  it('non-Spark pods are returned as they are', () => {
    const pod = makePod('web').ns('spark').asAdmitted().obj();
    const r = mutate(pod, context(config()));
    expect(r.spark).toBeUndefined();
    expect(r.pod).toBe(pod);
  });
  it('the input pod is never modified', () => {
    const pod = driver().asAdmitted().obj();
    const before = structuredClone(pod);
    mutate(pod, context(config({ profiles: [{ name: 'p', driver: { template: { metadata: { labels: { a: 'b' } } } } }] })));
    expect(pod).toEqual(before);
  });
  it('gangLabels: false shapes the pod without gang identity', () => {
    const r = mutate(driver().asAdmitted().obj(), context(config({ webhook: { gangLabels: false } })));
    expect(lbl(r)['pod-group.scheduling.kubenexus.io/name']).toBeUndefined();
    expect(ann(r)['gangplank.io/executor-count']).toBeUndefined();
    expect(r.pod.spec?.schedulerName).toBe('gangplank-scheduler');
  });
  it('another explicit scheduler is kept, with a warning', () => {
    const r = mutate(driver().scheduler('volcano').asAdmitted().obj(), context(config()));
    expect(r.pod.spec?.schedulerName).toBe('volcano');
    expect(r.warnings.join()).toMatch(/volcano/);
  });
  it.each([
    { name: 'env of the main container (seed: AIRFLOW_DAG_ID)', tpl: { pipeline: '{env:AIRFLOW_DAG_ID}' }, pod: driver().env('AIRFLOW_DAG_ID', 'analytics pipeline/v2'), want: { pipeline: 'analytics-pipeline-v2' } },
    { name: 'label and namespace', tpl: { run: '{namespace}-{label:spark-app-name}' }, pod: driver(), want: { run: 'spark-spark-pi' } },
    { name: 'annotation', tpl: { owner: '{annotation:owner}' }, pod: driver().annotation('owner', 'Data Team'), want: { owner: 'Data-Team' } },
    { name: 'missing value: no label', tpl: { pipeline: '{env:AIRFLOW_DAG_ID}' }, pod: driver(), want: { pipeline: undefined } },
    { name: 'a label the pod has wins', tpl: { pipeline: '{label:spark-app-name}' }, pod: driver().label('pipeline', 'mine'), want: { pipeline: 'mine' } },
  ])('context labels: $name', ({ tpl, pod, want }) => {
    const r = mutate(pod.asAdmitted().obj(), context(config({ profiles: [{ name: 'p', contextLabels: tpl }] }), { namespace: 'spark' }));
    for (const [k, v] of Object.entries(want)) expect(lbl(r)[k]).toBe(v);
  });
  const cm = (text: string): V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'spark-executor-template', namespace: 'kyuubi' }, data: { 'template.yaml': text } });
  const cmCfg = () => config({ profiles: [{ name: 'p', executor: { templateConfigMap: { name: 'spark-executor-template' } } }] });
  const kyuubiExec = () => makePod('e').ns('kyuubi').sparkApp('x', SEL).role('executor').asAdmitted().obj();
  it('ConfigMap templates are read from the cache (pod namespace by default)', () => {
    const r = mutate(kyuubiExec(), context(cmCfg(), { namespace: 'kyuubi', configMaps: [cm('spec:\n  nodeSelector: {pool: etl}\n')] }));
    expect(r.pod.spec?.nodeSelector).toEqual({ pool: 'etl' });
    expect(r.warnings).toEqual([]);
  });
  it.each([
    { name: 'missing ConfigMap', extras: { configMaps: [] }, warn: /not found/ },
    { name: 'invalid template', extras: { configMaps: [cm('spec: [1, 2]')] }, warn: /spec/ },
    { name: 'standalone mode', extras: { standalone: true }, warn: /standalone/ },
  ])('ConfigMap template unusable ($name): pod shaped without it, with a warning', ({ extras, warn }) => {
    const r = mutate(kyuubiExec(), context(cmCfg(), { namespace: 'kyuubi', ...extras }));
    expect(r.warnings.join()).toMatch(warn);
    expect(r.pod.spec?.schedulerName).toBe('gangplank-scheduler');
  });
});

describe('reservation time-out', () => {
  const cfg = config({ profiles: [{ name: 'p', gangTimeoutSeconds: 120 }] });
  it("the profile's gangTimeoutSeconds goes on the driver", () => {
    const r = mutate(driver().asAdmitted().obj(), context(cfg, { namespace: 'spark' }));
    expect(ann(r)['gangplank.io/timeout-seconds']).toBe('120');
  });
  it("the user's own time-out on the driver wins", () => {
    const r = mutate(driver().annotation('gangplank.io/timeout-seconds', '30').asAdmitted().obj(), context(cfg, { namespace: 'spark' }));
    expect(ann(r)['gangplank.io/timeout-seconds']).toBe('30');
  });
  it('executors do not get it (the extender reads the driver)', () => {
    const r = mutate(executor().asAdmitted().obj(), context(cfg, { namespace: 'spark' }));
    expect(ann(r)['gangplank.io/timeout-seconds']).toBeUndefined();
  });
});

describe('executor shape memoised per profile and Spark configuration', () => {
  // The same profile object for every driver, as the running webhook has it.
  const cfg = config({ profiles: [{ name: 'p', executorInstances: 2, executor: { template: { spec: { containers: [{ name: 'spark-kubernetes-executor', resources: { limits: { memory: '9Gi' } } }] } } } }] });
  const shapeOf = (memory: string) =>
    ann(mutate(driver().args('spark-submit', '--master', 'k8s://x', '--conf', `spark.executor.memory=${memory}`, 'app.jar').asAdmitted().obj(), context(cfg, { namespace: 'spark' })))['gangplank.io/executor-resources'];

  it('drivers with other Spark configurations get their own shapes, and the same one again when it repeats', () => {
    const a = shapeOf('2g');
    const b = shapeOf('4g');
    expect(a).not.toBe(b);
    expect(JSON.parse(a!).memory).toBe('2432Mi');
    expect(JSON.parse(b!).memory).toBe('4505Mi');
    expect(shapeOf('2g')).toBe(a);
  });

  it('a profile whose executor overrides change (new objects, as a reloaded configuration has) is applied afresh', () => {
    const withCpu = (cpu: string) => config({ profiles: [{ name: 'p', executorInstances: 2, executor: { overrides: { spec: { containers: [{ name: 'spark-kubernetes-executor', resources: { requests: { cpu } } }] } } } }] });
    const shape = (c: ReturnType<typeof config>) => JSON.parse(ann(mutate(driver().asAdmitted().obj(), context(c, { namespace: 'spark' })))['gangplank.io/executor-resources']!);
    expect(shape(withCpu('3')).cpu).toBe('3');
    expect(shape(withCpu('5')).cpu).toBe('5');
  });
});
