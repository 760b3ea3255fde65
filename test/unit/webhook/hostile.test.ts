// Issue 9's reproducers against the webhook: values a pod author or a
// SparkApplication writes never produce an invalid label or an unshaped
// Spark pod; unknown NUMA policies are named in a warning.
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../../src/k8s/wire.js';
import { silentLogger } from '../../../src/log.js';
import { mutate } from '../../../src/webhook/mutate.js';
import { reviewRequest } from '../../../src/webhook/review.js';
import { podReview } from '../../support/admission.js';
import type { SparkApplication } from '../../../src/webhook/sparkapp.js';
import { makePod } from '../../support/pod.js';
import { LABEL_VALUE } from '../../support/fuzz.js';
import { config, context } from '../../support/webhook.js';

const SEL = 'spark-0123456789abcdef0123456789abcdef';
const sparkApp = (spec: SparkApplication['spec']): SparkApplication => ({
  apiVersion: 'sparkoperator.k8s.io/v1beta2',
  kind: 'SparkApplication',
  metadata: { name: 'spark-pi', namespace: 'spark', uid: 'app-uid' },
  spec,
});
const operatorDriver = () => makePod('spark-pi-driver').ns('spark').sparkOperator('spark-pi').label('spark-app-selector', SEL).role('driver').requests({ cpu: '1', memory: '1408Mi' });
const cfg = config({ schedulerName: 'gangplank-scheduler' });

describe('hostile SparkApplications', () => {
  it.each([
    ['a malformed executor cpu ("1.5 cores")', { executor: { instances: 2, coreRequest: '1.5 cores' } }],
    ['1e21 executor instances', { executor: { instances: '1e21' as unknown as number } }],
    ['a negative executor count', { executor: { instances: -4 } }],
    ['an absurd memory', { executor: { instances: 2, memory: '9223372036854775807g' } }],
  ])('%s: the driver is still shaped, every label valid, and a warning says what was ignored', (_name, spec) => {
    const r = mutate(operatorDriver().asAdmitted().obj(), context(cfg, { namespace: 'spark', sparkApplications: [sparkApp(spec as SparkApplication['spec'])] }));
    expect(r.pod.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(r.pod.metadata?.labels?.['pod-group.scheduling.kubenexus.io/name']).toBeTruthy();
    for (const [k, v] of Object.entries(r.pod.metadata?.labels ?? {})) expect(LABEL_VALUE.test(v) && v.length <= 63, `${k}=${v}`).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/SparkApplication|executor/i);
  });
});

describe('numa.scheduling.kubenexus.io/policy', () => {
  const pod = (policy: string) => makePod('d').ns('spark').sparkApp('pi', SEL).role('driver').annotation('numa.scheduling.kubenexus.io/policy', policy).asAdmitted().obj();
  it.each(['single-numa', 'single-numa-node', 'restricted', 'best-effort', 'none'])('accepts %s without a warning', (policy) => {
    expect(mutate(pod(policy), context(cfg, { namespace: 'spark' })).warnings.filter((w) => w.includes('numa'))).toEqual([]);
  });
  it.each(['bogus', 'single-numa-nod', 'Single-NUMA', ''])('warns about %j, naming the annotation', (policy) => {
    const warnings = mutate(pod(policy), context(cfg, { namespace: 'spark' })).warnings;
    expect(warnings.join('\n')).toMatch(/numa\.scheduling\.kubenexus\.io\/policy has an unknown policy/);
  });
});

describe('a profile that denies invalid values (onInvalidValue: deny)', () => {
  const strict = config({
    schedulerName: 'gangplank-scheduler',
    profiles: [
      { name: 'strict', match: { namespaces: ['prod'] }, onInvalidValue: 'deny' },
      { name: 'lenient', match: {} },
    ],
  });
  const driver = (ns: string, annotations: Record<string, string>) =>
    makePod('d').ns(ns).sparkApp('pi', SEL).role('driver').annotations(annotations).requests({ cpu: '1', memory: '1Gi' }).asAdmitted().obj();
  const review = (pod: ReturnType<typeof driver>) =>
    reviewRequest(podReview(pod).request as AdmissionRequest, () => context(strict, { namespace: pod.metadata?.namespace }), 'allow', silentLogger());

  it.each([
    ['a misspelt NUMA policy', { 'numa.scheduling.kubenexus.io/policy': 'single-numa-nod' }, /unknown policy/],
    ['an executor count that is not a number', { 'gangplank.io/executor-count': 'many' }, /executor-count is not a whole number/],
    ['a time-out of a thousand years', { 'gangplank.io/timeout-seconds': '31536000000' }, /timeout-seconds/],
  ])('refuses %s in its namespaces, naming it', (_name, annotations, message) => {
    const r = review(driver('prod', annotations));
    expect(r.response.allowed).toBe(false);
    expect(r.outcome).toBe('denied');
    expect(r.response.status?.message).toMatch(message);
    expect(r.response.status?.message).toMatch(/profile strict/);
  });

  it('admits the same pod with a warning where the profile does not deny', () => {
    const r = review(driver('dev', { 'numa.scheduling.kubenexus.io/policy': 'single-numa-nod' }));
    expect(r.response.allowed).toBe(true);
    expect(r.response.warnings?.join('\n')).toMatch(/unknown policy/);
  });

  it('admits a valid pod in the strict namespace', () => {
    const r = review(driver('prod', { 'numa.scheduling.kubenexus.io/policy': 'single-numa-node', 'gangplank.io/executor-count': '2' }));
    expect(r.response.allowed).toBe(true);
  });
});
