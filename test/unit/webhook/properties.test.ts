// Invariants of the webhook over generated Spark pods and profiles.
import type { V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../../src/k8s/wire.js';
import { silentLogger } from '../../../src/log.js';
import { mutate } from '../../../src/webhook/mutate.js';
import { reviewRequest } from '../../../src/webhook/review.js';
import { derivedGangName } from '../../../src/webhook/gang-identity.js';
import { isValidLabelValue } from '../../../src/webhook/sanitize.js';
import { detectSpark, type SparkPod } from '../../../src/webhook/spark.js';
import { applyResponse, podReview } from '../../support/admission.js';
import { makePod } from '../../support/pod.js';
import { config, context } from '../../support/webhook.js';

const log = silentLogger();
const GANG = 'pod-group.scheduling.kubenexus.io/name';

const appName = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('spark-pi', 'analytics_pipeline_v2-run_staging_models', 'kyuubi_USER_SPARK_SQL_anonymous_default_6b1c0f9e'));
const selector = fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/).map((h) => `spark-${h}`), fc.string({ minLength: 1, maxLength: 40 }));
const toleration = fc.record({ key: fc.constantFrom('a', 'b', 'workload-type'), operator: fc.constant('Exists'), effect: fc.constantFrom('NoSchedule', 'NoExecute') });
const selectorMap = fc.dictionary(fc.constantFrom('pool', 'zone', 'kubernetes.io/os'), fc.constantFrom('x', 'y', 'linux'), { maxKeys: 2 });
const userGang = fc.option(fc.tuple(fc.constantFrom('my-job', 'my-job-driver', 'spark-pi'), fc.integer({ min: 1, max: 30 })), { nil: undefined });

const profileArb = fc.record({
  name: fc.constant('p'),
  executorInstances: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
  driver: fc.record({ template: fc.record({ metadata: fc.record({ labels: fc.dictionary(fc.constantFrom('team', 'tier'), fc.constantFrom('a', 'b')) }), spec: fc.record({ nodeSelector: selectorMap, tolerations: fc.array(toleration, { maxLength: 2 }) }) }) }),
  executor: fc.record({
    template: fc.record({ spec: fc.record({ nodeSelector: selectorMap, tolerations: fc.array(toleration, { maxLength: 2 }) }) }),
    overrides: fc.record({ spec: fc.record({ containers: fc.constant([{ name: 'spark-kubernetes-executor', resources: { limits: { cpu: '500m', memory: '1Gi' } } }]) }) }),
  }),
  numa: fc.option(fc.record({ policy: fc.constantFrom('single-numa', 'none'), resources: fc.constant(['cpu', 'memory']) }), { nil: undefined }),
  contextLabels: fc.constant({ pipeline: '{env:AIRFLOW_DAG_ID}' }),
});

interface Case {
  app: string;
  sel: string;
  gang?: [string, number];
  sched: string | undefined;
  tolerations: { key: string; operator: string; effect: string }[];
  nodeSelector: Record<string, string>;
  env?: string;
}
const caseArb: fc.Arbitrary<Case> = fc.record({
  app: appName,
  sel: selector,
  gang: userGang,
  sched: fc.constantFrom(undefined, 'kubenexus-scheduler', 'gangplank-scheduler', 'volcano'),
  tolerations: fc.array(toleration, { maxLength: 2 }),
  nodeSelector: selectorMap,
  env: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
});

function build(c: Case, role: 'driver' | 'executor'): V1Pod {
  let b = makePod(`p-${role}`).ns('spark').labels({ 'spark-app-name': c.app, 'spark-app-selector': c.sel }).role(role).requests({ cpu: '1', memory: '1408Mi' }).limits({ memory: '1408Mi' }).nodeSelector(c.nodeSelector);
  for (const t of c.tolerations) b = b.toleration(t);
  if (c.gang) b = b.gang(c.gang[0], c.gang[1]);
  if (c.sched) b = b.scheduler(c.sched);
  if (c.env !== undefined) b = b.env('AIRFLOW_DAG_ID', c.env);
  if (role === 'executor') b = b.executorOf('p-driver', 'uid', 1);
  return b.asAdmitted().obj();
}

function reviewPod(pod: V1Pod, cfg: ReturnType<typeof config>) {
  return reviewRequest(podReview(pod).request as AdmissionRequest, () => context(cfg), 'allow', log);
}

describe('properties', () => {
  it('idempotent: a mutated pod reviewed again yields no patch', () => {
    fc.assert(
      fc.property(caseArb, profileArb, fc.constantFrom<'driver' | 'executor'>('driver', 'executor'), (c, profile, role) => {
        const cfg = config({ schedulerNameAliases: ['kubenexus-scheduler'], profiles: [profile] });
        const pod = build(c, role);
        const first = reviewPod(pod, cfg);
        expect(first.outcome).not.toBe('error');
        const again = reviewPod(applyResponse(pod, first.response), cfg);
        expect(again.response.patch).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('the patch applied to the original is exactly the desired pod', () => {
    fc.assert(
      fc.property(caseArb, profileArb, fc.constantFrom<'driver' | 'executor'>('driver', 'executor'), (c, profile, role) => {
        const cfg = config({ profiles: [profile] });
        const pod = build(c, role);
        const desired = mutate(pod, context(cfg)).pod;
        const patched = applyResponse(pod, reviewPod(pod, cfg).response);
        expect(patched).toEqual(desired);
        expect(jsonpatch.compare(patched, desired)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('driver and executors of one app share a valid gang name whenever the driver is known', () => {
    fc.assert(
      fc.property(caseArb, caseArb, profileArb, (d, e, profile) => {
        // Same application (selector and app name), everything else independent, users' gang labels included.
        const cfg = config({ profiles: [profile] });
        const exec = { ...e, app: d.app, sel: d.sel };
        const driver = mutate(build(d, 'driver'), context(cfg, { namespace: 'spark' })).pod;
        // As the informer caches it: stored by the API server, with the uid the executors' ownerReference names.
        driver.metadata = { ...driver.metadata, uid: 'uid' };
        const dn = driver.metadata.labels?.[GANG];
        const executor = mutate(build(exec, 'executor'), context(cfg, { namespace: 'spark', drivers: [driver] }));
        expect(dn).toBeDefined();
        expect(executor.pod.metadata?.labels?.[GANG]).toBe(dn);
        expect(isValidLabelValue(dn as string)).toBe(true);
        // A gang name the user wrote on the driver is its identity: kept when valid.
        if (d.gang) expect(dn).toBe(d.gang[0]);
        // An executor that named another gang is told so.
        if (exec.gang && exec.gang[0] !== dn) expect(executor.warnings.join()).toMatch(/corrected to/);
      }),
      { numRuns: 300 },
    );
  });

  it('without its driver, an executor keeps a valid name it carries, else gets the derived one', () => {
    fc.assert(
      fc.property(caseArb, profileArb, (c, profile) => {
        const cfg = config({ profiles: [profile] });
        const pod = build(c, 'executor');
        const name = mutate(pod, context(cfg, { namespace: 'spark' })).pod.metadata?.labels?.[GANG];
        const spark = detectSpark(pod);
        expect(spark).toBeDefined();
        expect(name).toBe(c.gang ? c.gang[0] : derivedGangName(spark as SparkPod));
        expect(isValidLabelValue(name as string)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('every label the webhook writes is a valid label value', () => {
    fc.assert(
      fc.property(caseArb, profileArb, (c, profile) => {
        const pod = build(c, 'driver');
        const before = pod.metadata?.labels ?? {};
        const out = mutate(pod, context(config({ profiles: [profile] }))).pod;
        // Only what the webhook wrote: the generated input itself may hold values the API server would refuse.
        for (const [k, v] of Object.entries(out.metadata?.labels ?? {})) if (before[k] !== v) expect(isValidLabelValue(v)).toBe(true);
        // min-available is 1 + N exactly when the webhook knows N, and absent otherwise.
        const count = out.metadata?.annotations?.['gangplank.io/executor-count'];
        const min = out.metadata?.labels?.['pod-group.scheduling.kubenexus.io/min-available'];
        expect(min).toBe(count === undefined ? undefined : String(Number(count) + 1));
        expect(out.metadata?.annotations?.['gangplank.io/executor-count-source'] === undefined).toBe(count === undefined);
      }),
      { numRuns: 200 },
    );
  });
});
