// Issue 9's reproducers against the webhook: values a pod author or a
// SparkApplication writes never produce an invalid label or an unshaped
// Spark pod; unknown NUMA policies are named in a warning.
import { describe, expect, it } from 'vitest';
import { mutate } from '../../../src/webhook/mutate.js';
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
