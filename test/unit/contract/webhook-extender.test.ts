// "Webhook shape = extender shape": for random Spark configurations, what the
// webhook writes on a driver at admission, parsed as the extender parses it,
// equals what the extender computes from the same configuration in the
// driver's spark.properties — both for a SparkApplication (the operator
// passes its conf to spark-submit, which writes spark.properties) and for
// spark-submit flags in a client-mode driver's own command line. A
// configuration Spark would reject gets no annotation from the webhook and
// an `invalid` verdict from the extender. Profiles' executor template and
// overrides (resource layers) apply on both sides.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executorCountCodec, executorResourcesCodec } from '../../../src/contract/annotations.js';
import type { SparkConf } from '../../../src/contract/spark-conf.js';
import type { AppType } from '../../../src/contract/spark-resources.js';
import { resolveDriverExecutors } from '../../../src/gang/driver-executors.js';
import { mutate } from '../../../src/webhook/mutate.js';
import type { SparkApplication } from '../../../src/webhook/sparkapp.js';
import { makePod } from '../../support/pod.js';
import { sparkProperties } from '../../support/spark-submit.js';
import { config, context } from '../../support/webhook.js';

const SEL = 'spark-0123456789abcdef0123456789abcdef';

/** Mostly values Spark accepts, some it rejects (1.5g, 0.5 cores, a GPU without vendor, …). */
const sparkConf: fc.Arbitrary<SparkConf> = fc
  .record(
    {
      'spark.executor.memory': fc.constantFrom('512m', '1g', '2g', '4g', '8g', '2048', '1536m', '1.5g'),
      'spark.executor.memoryOverhead': fc.constantFrom('384m', '1g', '100', '2g'),
      'spark.executor.minMemoryOverhead': fc.constantFrom('512m', '1g'),
      'spark.executor.memoryOverheadFactor': fc.constantFrom('0.1', '0.2', '0.4', '0'),
      'spark.kubernetes.memoryOverheadFactor': fc.constantFrom('0.1', '0.3'),
      'spark.executor.cores': fc.constantFrom('1', '2', '4', '0.5'),
      'spark.kubernetes.executor.request.cores': fc.constantFrom('500m', '1.8', '2'),
      'spark.kubernetes.executor.limit.cores': fc.constantFrom('2', '4'),
      'spark.memory.offHeap.enabled': fc.constantFrom('true', 'false'),
      'spark.memory.offHeap.size': fc.constantFrom('1g', '512m', '0', '1073741824'),
      'spark.executor.pyspark.memory': fc.constantFrom('512m', '1g'),
      'spark.executor.resource.gpu.amount': fc.constantFrom('1', '2'),
      'spark.executor.resource.gpu.vendor': fc.constantFrom('nvidia.com', 'amd.com'),
      'spark.executor.instances': fc.constantFrom('0', '1', '2', '4', '8'),
      'spark.dynamicAllocation.enabled': fc.constantFrom('true', 'false'),
      'spark.dynamicAllocation.minExecutors': fc.constantFrom('0', '1', '3'),
      'spark.dynamicAllocation.initialExecutors': fc.constantFrom('2', '5'),
      'spark.dynamicAllocation.maxExecutors': fc.constantFrom('4', '10'),
    },
    { requiredKeys: [] },
  )
  .map((c) => c as SparkConf);

const quantity = (resource: 'cpu' | 'memory'): fc.Arbitrary<string> => (resource === 'cpu' ? fc.constantFrom('250m', '500m', '1', '3') : fc.constantFrom('512Mi', '1Gi', '4Gi', '6Gi'));
const lists = fc.record({ requests: fc.record({ cpu: quantity('cpu'), memory: quantity('memory') }, { requiredKeys: [] }), limits: fc.record({ cpu: quantity('cpu'), memory: quantity('memory') }, { requiredKeys: [] }) }, { requiredKeys: [] });
/** A profile whose executor template and overrides may touch the executors' resources, and add a sidecar. */
const profile = fc.record(
  {
    template: lists,
    overrides: lists,
    sidecar: fc.record({ requests: fc.record({ cpu: quantity('cpu'), memory: quantity('memory') }) }),
  },
  { requiredKeys: [] },
);

function profileConfig(p: { template?: object; overrides?: object; sidecar?: object }) {
  const container = (resources: object | undefined) => (resources ? [{ name: 'spark-kubernetes-executor', resources }] : undefined);
  const executor: Record<string, unknown> = {};
  const templateContainers = [...(container(p.template) ?? []), ...(p.sidecar ? [{ name: 'log-shipper', image: 'fluent-bit', resources: p.sidecar }] : [])];
  if (templateContainers.length > 0) executor.template = { spec: { containers: templateContainers } };
  if (p.overrides) executor.overrides = { spec: { containers: container(p.overrides) } };
  return config({ profiles: [{ name: 'p', executor }] });
}

function extenderView(driver: ReturnType<typeof mutate>['pod'], conf: SparkConf, appType: AppType) {
  return resolveDriverExecutors({ driver, sparkConf: { state: 'found', text: sparkProperties({ conf, appType, app: 'app', selector: SEL }) }, age: 0, waitSeconds: 5 });
}

function agree(webhook: ReturnType<typeof mutate>, extender: ReturnType<typeof resolveDriverExecutors>, conf: SparkConf): void {
  const ann = webhook.pod.metadata?.annotations ?? {};
  const shapeText = ann['gangplank.io/executor-resources'];
  const countText = ann['gangplank.io/executor-count'];
  const setsCount = ['spark.executor.instances', 'spark.dynamicAllocation.enabled', 'spark.dynamicAllocation.minExecutors', 'spark.dynamicAllocation.initialExecutors'].some((k) => conf[k] !== undefined);
  if (extender.kind === 'invalid') {
    // Spark would reject this configuration: the webhook cannot have known the part it rejects.
    expect(shapeText === undefined || (setsCount && countText === undefined), extender.message).toBe(true);
    return;
  }
  expect(extender.kind).toBe('known');
  if (extender.kind !== 'known') return;
  expect(shapeText, 'the webhook computed no shape the extender could').toBeDefined();
  expect(executorResourcesCodec.parse(shapeText as string)).toEqual(extender.executors.requests);
  expect(extender.executors.resourcesSource).toBe('spark-properties');
  if (setsCount) expect(executorCountCodec.parse(countText as string)).toBe(extender.executors.count);
  else expect(countText).toBeUndefined();
}

describe('webhook shape = extender shape', () => {
  it('for a SparkApplication (any app type, any profile resource layers)', () => {
    fc.assert(
      fc.property(sparkConf, fc.constantFrom<AppType>('java', 'python', 'r'), profile, (conf, appType, p) => {
        const app: SparkApplication = {
          apiVersion: 'sparkoperator.k8s.io/v1beta2',
          kind: 'SparkApplication',
          metadata: { name: 'app', namespace: 'spark', uid: 'app-uid' },
          spec: { type: appType === 'java' ? 'Scala' : appType === 'python' ? 'Python' : 'R', sparkConf: { ...conf } },
        };
        const driver = makePod('app-driver').ns('spark').sparkOperator('app').label('spark-app-selector', SEL).role('driver').asAdmitted().obj();
        const webhook = mutate(driver, context(profileConfig(p), { namespace: 'spark', sparkApplications: [app] }));
        agree(webhook, extenderView(webhook.pod, conf, appType), conf);
      }),
      { numRuns: 400 },
    );
  });

  it('for spark-submit flags in a client-mode driver (a Connect or Thrift server pod)', () => {
    fc.assert(
      fc.property(sparkConf, (conf) => {
        const flags = Object.entries(conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]);
        const driver = makePod('connect-0')
          .ns('spark')
          .sparkApp('connect', SEL)
          .role('driver')
          .args('/opt/spark/sbin/start-connect-server.sh', '--master', 'k8s://https://kubernetes.default.svc', ...flags)
          .asAdmitted()
          .obj();
        const webhook = mutate(driver, context(config({ profiles: [{ name: 'p' }] }), { namespace: 'spark' }));
        if (webhook.pod.metadata?.annotations?.['gangplank.io/executor-resources'] !== undefined) {
          expect(webhook.pod.metadata?.annotations?.['gangplank.io/executor-resources-source']).toBe('spark-conf');
        }
        agree(webhook, extenderView(webhook.pod, conf, 'java'), conf);
      }),
      { numRuns: 400 },
    );
  });
});

describe('the drift issue 8 found, fixed', () => {
  const offHeap = { 'spark.executor.memory': '4g', 'spark.memory.offHeap.enabled': 'true', 'spark.memory.offHeap.size': '1g' };
  it('4g with 1g off-heap is 5529Mi for the webhook and for the extender, annotation or spark.properties', () => {
    const app: SparkApplication = { metadata: { name: 'app', namespace: 'spark', uid: 'u' }, spec: { type: 'Scala', sparkConf: offHeap } };
    const driver = makePod('app-driver').ns('spark').sparkOperator('app').label('spark-app-selector', SEL).role('driver').asAdmitted().obj();
    const webhook = mutate(driver, context(config(), { namespace: 'spark', sparkApplications: [app] }));
    expect(webhook.pod.metadata?.annotations?.['gangplank.io/executor-resources']).toBe('{"cpu":"1","memory":"5529Mi"}');
    const fromProps = extenderView(webhook.pod, offHeap, 'java');
    expect(fromProps.kind === 'known' && fromProps.executors.requests.memory).toBe(5529 * 2 ** 20);
    const noConfigMap = resolveDriverExecutors({ driver: webhook.pod, sparkConf: { state: 'none' }, age: 0, waitSeconds: 5 });
    expect(noConfigMap.kind === 'known' && noConfigMap.executors.requests.memory).toBe(5529 * 2 ** 20);
  });
  it('"1.5g" is rejected on both sides, as Spark rejects it', () => {
    const app: SparkApplication = { metadata: { name: 'app', namespace: 'spark', uid: 'u' }, spec: { sparkConf: { 'spark.executor.memory': '1.5g' } } };
    const driver = makePod('app-driver').ns('spark').sparkOperator('app').label('spark-app-selector', SEL).role('driver').asAdmitted().obj();
    const webhook = mutate(driver, context(config(), { namespace: 'spark', sparkApplications: [app] }));
    expect(webhook.pod.metadata?.annotations?.['gangplank.io/executor-resources']).toBeUndefined();
    expect(webhook.warnings.join('\n')).toMatch(/fractional sizes.*1536m/);
    const extender = extenderView(webhook.pod, { 'spark.executor.memory': '1.5g' }, 'java');
    expect(extender).toEqual({ kind: 'invalid', message: expect.stringMatching(/spark\.properties: spark\.executor\.memory: Spark does not accept fractional sizes/) });
  });
  it('the 0.4 factor of Python apps holds on both sides (SparkApplication type, spark.properties resource type)', () => {
    const app: SparkApplication = { metadata: { name: 'app', namespace: 'spark', uid: 'u' }, spec: { type: 'Python', sparkConf: { 'spark.executor.memory': '8g' } } };
    const driver = makePod('app-driver').ns('spark').sparkOperator('app').label('spark-app-selector', SEL).role('driver').asAdmitted().obj();
    const webhook = mutate(driver, context(config(), { namespace: 'spark', sparkApplications: [app] }));
    expect(webhook.pod.metadata?.annotations?.['gangplank.io/executor-resources']).toBe('{"cpu":"1","memory":"11468Mi"}');
    const extender = extenderView(webhook.pod, { 'spark.executor.memory': '8g' }, 'python');
    expect(extender.kind === 'known' && extender.executors.requests.memory).toBe(11468 * 2 ** 20);
  });
});
