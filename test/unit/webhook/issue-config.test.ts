// The configuration of issue 3, loaded from YAML as a user writes it, does
// what its comments say.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { mutate } from '../../../src/webhook/mutate.js';
import { makePod } from '../../support/pod.js';
import { context, issueConfig } from '../../support/webhook.js';

const SEL = 'spark-7d3e5b1a9c2f4e6d8b0a1c3e5f7a9b2d';
const kyuubiDriver = () =>
  makePod('dbt-spark-driver-ab12-driver')
    .ns('kyuubi')
    .sparkApp('analytics_pipeline_v2-run_staging_models', SEL)
    .role('driver')
    .requests({ cpu: '500m', memory: '1408Mi' })
    .limits({ memory: '1408Mi' });
const kyuubiExecutor = (n: number) =>
  makePod(`dbt-spark-ab12-exec-${n}`)
    .ns('kyuubi')
    .sparkApp('analytics_pipeline_v2-run_staging_models', SEL)
    .role('executor')
    .executorOf('dbt-spark-driver-ab12-driver', 'd-uid', n)
    .requests({ cpu: '500m', memory: '1408Mi' })
    .limits({ memory: '1408Mi' });

describe('issue 3 configuration', () => {
  const cfg = issueConfig();

  it('is accepted verbatim', () => {
    expect(cfg.schedulerName).toBe('gangplank-scheduler');
    expect(cfg.schedulerNameAliases).toEqual(['kubenexus-scheduler']);
    expect(cfg.profiles.map((p) => p.name)).toEqual(['lightweight-dbt', 'gpu', 'default']);
    expect(Object.isFrozen(cfg.profiles[0])).toBe(true);
  });

  it('lightweight-dbt: the Kyuubi driver gets the driver template, scheduler, gang and N = 2', () => {
    const { pod, warnings } = mutate(kyuubiDriver().asAdmitted().obj(), context(cfg, { namespace: 'kyuubi' }));
    expect(pod.metadata?.labels).toMatchObject({
      'app.kubernetes.io/name': 'spark',
      'app.kubernetes.io/component': 'driver',
      'app.kubernetes.io/part-of': 'dbt-pipeline',
      'workload-type': 'spark-driver',
      'pod-group.scheduling.kubenexus.io/name': 'analytics-pipeline-v2-run-staging-models-7d3e5b1a',
      'pod-group.scheduling.kubenexus.io/min-available': '3',
    });
    expect(pod.spec?.serviceAccountName).toBe('kyuubi-sa');
    expect(pod.spec?.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.spec?.tolerations).toContainEqual({ key: 'workload-type', operator: 'Equal', value: 'data-platform', effect: 'NoSchedule' });
    expect(pod.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(pod.metadata?.annotations?.['gangplank.io/executor-count']).toBe('2');
    // Spark's executor (1408Mi, 1 core by default) capped by the executor overrides: 500m, 1Gi.
    expect(pod.metadata?.annotations?.['gangplank.io/executor-resources']).toBe('{"cpu":"500m","memory":"1Gi"}');
    // Driver and executor templates place pods alike: nothing to record.
    expect(pod.metadata?.annotations?.['gangplank.io/executor-constraints']).toBeUndefined();
    // The driver's own resources are not governed by the executor overrides.
    expect(pod.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '500m', memory: '1408Mi' });
    expect(warnings).toEqual([]);
  });

  it('lightweight-dbt: executors get the executor template and are capped at 500m / 1Gi', () => {
    const { pod, warnings } = mutate(kyuubiExecutor(1).asAdmitted().obj(), context(cfg, { namespace: 'kyuubi' }));
    expect(pod.metadata?.labels).toMatchObject({
      'app.kubernetes.io/component': 'executor',
      'workload-type': 'spark-executor',
      'pod-group.scheduling.kubenexus.io/name': 'analytics-pipeline-v2-run-staging-models-7d3e5b1a',
      'pod-group.scheduling.kubenexus.io/min-available': '3',
    });
    expect(pod.spec?.containers[0]?.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } });
    expect(pod.spec?.serviceAccountName).toBe('kyuubi-sa');
    expect(pod.metadata?.annotations?.['gangplank.io/executor-count']).toBeUndefined();
    expect(warnings.some((w) => w.includes('memory') && w.includes('1Gi'))).toBe(true);
  });

  it('gpu: a team=ml pod outside kyuubi gets the NUMA annotations', () => {
    const pod = makePod('train-driver').ns('ml').label('team', 'ml').sparkApp('train', SEL).role('driver').asAdmitted().obj();
    const out = mutate(pod, context(cfg, { namespace: 'ml' })).pod;
    expect(out.metadata?.annotations).toMatchObject({
      'numa.scheduling.kubenexus.io/policy': 'single-numa',
      'numa.scheduling.kubenexus.io/resources': 'cpu,memory,nvidia.com/gpu',
    });
    expect(out.spec?.serviceAccountName).toBe('default');
  });

  it('first match wins: a team=ml pod in kyuubi is lightweight-dbt, without NUMA hints', () => {
    const out = mutate(kyuubiDriver().label('team', 'ml').asAdmitted().obj(), context(cfg, { namespace: 'kyuubi' })).pod;
    expect(out.metadata?.annotations?.['numa.scheduling.kubenexus.io/policy']).toBeUndefined();
    expect(out.spec?.serviceAccountName).toBe('kyuubi-sa');
  });

  it('default: every other Spark pod gets scheduler and gang identity only; N and shape are left to spark.properties', () => {
    const pod = makePod('pi-driver').ns('spark').sparkApp('spark-pi', SEL).role('driver').asAdmitted().obj();
    const r = mutate(pod, context(cfg, { namespace: 'spark' }));
    expect(r.profile).toBe('default');
    expect(r.pod.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(r.pod.metadata?.labels?.['pod-group.scheduling.kubenexus.io/name']).toBe('spark-pi-7d3e5b1a');
    expect(r.pod.metadata?.labels?.['pod-group.scheduling.kubenexus.io/min-available']).toBeUndefined();
    expect(Object.keys(r.pod.metadata?.annotations ?? {}).filter((k) => k.startsWith('gangplank.io/'))).toEqual([]);
    expect(r.pod.spec?.nodeSelector).toBeUndefined();
  });

  it('schedulerNameAliases: kubenexus-scheduler is switched, with a warning', () => {
    const pod = makePod('pi-driver').ns('spark').sparkApp('spark-pi', SEL).role('driver').scheduler('kubenexus-scheduler').asAdmitted().obj();
    const r = mutate(pod, context(cfg, { namespace: 'spark' }));
    expect(r.pod.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(r.warnings.join()).toMatch(/kubenexus-scheduler/);
  });
});

describe('bad configuration files', () => {
  const write = (text: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'gangplank-cfg-'));
    const f = join(dir, 'config.yaml');
    writeFileSync(f, text);
    return f;
  };
  it('reports every error with its path', () => {
    const f = write(`
schedulerName: Not_A_DNS_Name
profiles:
  - name: a
    match: {namespaces: [kyuubi], podLabels: {team: "bad value!"}}
    executorInstances: -1
    driver:
      template: {spec: {}}
      templateConfigMap: {name: tpl}
    numa: {policy: sometimes}
  - name: a
    bogus: true
webhook: {onError: explode}
`);
    let err: unknown;
    try {
      loadConfig(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const path of ['schedulerName', 'profiles[0].match.podLabels.team', 'profiles[0].executorInstances', 'profiles[0].driver', 'profiles[0].numa.policy', 'profiles[1]', 'webhook.onError']) {
      expect(problems).toContain(`${path}:`);
    }
    expect(problems).toMatch(/bogus/);
  });
  it('reports a missing template file with its path', () => {
    const f = write(`profiles: [{name: a, executor: {templateFile: nope.yaml}}]\n`);
    expect(() => loadConfig(f)).toThrow(/profiles\[0\]\.executor\.templateFile: cannot read/);
  });
  it('inlines a template file relative to the config file', () => {
    const f = write(`profiles: [{name: a, executor: {templateFile: tpl.yaml}}]\n`);
    writeFileSync(join(f, '..', 'tpl.yaml'), 'apiVersion: v1\nkind: Pod\nspec:\n  nodeSelector: {pool: spark}\n');
    const cfg = loadConfig(f);
    const pod = makePod('e').sparkApp('x', SEL).role('executor').asAdmitted().obj();
    expect(mutate(pod, context(cfg, { namespace: 'default' })).pod.spec?.nodeSelector).toEqual({ pool: 'spark' });
  });
});
