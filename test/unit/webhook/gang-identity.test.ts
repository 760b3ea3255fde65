import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { decideGangName, derivedGangName } from '../../../src/webhook/gang-identity.js';
import { detectSpark, type SparkPod } from '../../../src/webhook/spark.js';
import type { SparkApplication } from '../../../src/webhook/sparkapp.js';
import { makePod } from '../../support/pod.js';

const SEL = 'spark-5f2c9a7e1b3d4c6f8a0b2c4d6e8f0a1b';

function sparkOf(b: ReturnType<typeof makePod>): SparkPod {
  const s = detectSpark(b.obj());
  if (!s) throw new Error('not spark');
  return s;
}

describe('detecting Spark pods', () => {
  it.each([
    { name: 'spark-submit driver', pod: makePod().sparkApp('pi', SEL).role('driver'), role: 'driver', launcher: 'spark-submit' },
    { name: 'spark-submit executor', pod: makePod().sparkApp('pi', SEL).role('executor'), role: 'executor', launcher: 'spark-submit' },
    { name: 'spark-operator driver', pod: makePod().sparkOperator('spark-pi').sparkApp('spark-pi', SEL).role('driver'), role: 'driver', launcher: 'spark-operator' },
    { name: 'Kyuubi engine driver', pod: makePod().sparkApp('kyuubi_USER', SEL).label('kyuubi-unique-tag', '6b1c0f9e-1111-2222-3333-444455556666').role('driver'), role: 'driver', launcher: 'kyuubi' },
    { name: 'role from the container name alone', pod: makePod().label('spark-app-selector', SEL).container('spark-kubernetes-executor'), role: 'executor', launcher: 'spark-submit' },
  ])('$name', ({ pod, role, launcher }) => {
    expect(detectSpark(pod.obj())).toMatchObject({ role, launcher });
  });
  it.each([
    { name: 'plain pod', pod: makePod() },
    { name: 'spark-role of another kind', pod: makePod().label('spark-role', 'shuffle-service') },
    { name: 'Spark marks but no role and no Spark container', pod: makePod().label('spark-app-name', 'x') },
    { name: 'container named like Spark but no Spark label', pod: makePod().container('spark-kubernetes-driver') },
  ])('not Spark: $name', ({ pod }) => {
    expect(detectSpark(pod.obj())).toBeUndefined();
  });
});

describe('derived gang names', () => {
  it.each([
    { name: 'app name + first 8 hex of the selector', pod: makePod().sparkApp('spark-pi', SEL).role('driver'), want: 'spark-pi-5f2c9a7e' },
    { name: 'operator app name wins over spark-app-name', pod: makePod().sparkApp('other', SEL).label('sparkoperator.k8s.io/app-name', 'Data_Processing').role('driver'), want: 'data-processing-5f2c9a7e' },
    { name: 'dbt app name sanitised', pod: makePod().sparkApp('analytics_pipeline_v2-run_staging_models', SEL).role('driver'), want: 'analytics-pipeline-v2-run-staging-models-5f2c9a7e' },
    { name: 'no name: "spark"', pod: makePod().label('spark-app-selector', SEL).role('executor'), want: 'spark-5f2c9a7e' },
    { name: 'selector not in Spark form: hashed', pod: makePod().sparkApp('x', 'My App!').role('driver'), want: /^x-[0-9a-f]{8}$/ },
    { name: 'no selector: Kyuubi tag hashed', pod: makePod().label('spark-app-name', 'k').label('kyuubi-unique-tag', 'abc').role('driver'), want: /^k-[0-9a-f]{8}$/ },
  ])('$name', ({ pod, want }) => {
    const name = derivedGangName(sparkOf(pod));
    if (typeof want === 'string') expect(name).toBe(want);
    else expect(name).toMatch(want);
  });
  it('long names are cut to 63 characters and stay valid', () => {
    const name = derivedGangName(sparkOf(makePod().sparkApp('a'.repeat(50) + '_' + 'b'.repeat(40), SEL).role('driver')));
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.endsWith('-5f2c9a7e')).toBe(true);
  });
  it('driver and executor of one app get the same name', () => {
    const d = derivedGangName(sparkOf(makePod().sparkApp('pi', SEL).role('driver')));
    const e = derivedGangName(sparkOf(makePod().sparkApp('pi', SEL).role('executor').executorOf('pi-driver', 'u1', 1)));
    expect(e).toBe(d);
  });
  it('two runs of one app get different names', () => {
    const a = derivedGangName(sparkOf(makePod().sparkApp('pi', SEL).role('driver')));
    const b = derivedGangName(sparkOf(makePod().sparkApp('pi', 'spark-0000000011112222333344445555aaaa').role('driver')));
    expect(a).not.toBe(b);
  });
});

describe('names users wrote', () => {
  const GANG = 'pod-group.scheduling.kubenexus.io/name';
  const app = (d?: string, e?: string, sparkConf?: Record<string, string>): SparkApplication => ({
    metadata: { name: 'spark-pi', namespace: 'default' },
    spec: {
      sparkConf,
      driver: { labels: d ? { [GANG]: d } : {} },
      executor: { labels: e ? { [GANG]: e } : {} },
    },
  });
  const driverPod = (name?: string): V1Pod => {
    const b = makePod('spark-pi-driver').ns('default').uid('d-uid').sparkOperator('spark-pi').label('spark-app-selector', SEL).role('driver');
    return (name === undefined ? b : b.label(GANG, name)).obj();
  };
  const driver = sparkOf(makePod().sparkOperator('spark-pi').label('spark-app-selector', SEL).role('driver'));
  const executor = sparkOf(makePod().sparkOperator('spark-pi').label('spark-app-selector', SEL).role('executor'));

  it.each([
    { name: 'seed manifest (spark-pi on the driver), no SparkApplication known: kept', current: 'spark-pi', known: {}, want: 'spark-pi', corrected: false },
    { name: 'seed mistake, driver side (my-job-driver): kept, it names the gang', current: 'my-job-driver', known: { app: app('my-job-driver', 'my-job-executor') }, want: 'my-job-driver', corrected: false },
    { name: 'already the derived name: kept silently', current: 'spark-pi-5f2c9a7e', known: {}, want: 'spark-pi-5f2c9a7e', corrected: false },
    { name: 'no label yet: derived, silently', current: undefined, known: {}, want: 'spark-pi-5f2c9a7e', corrected: false },
    { name: 'empty label: derived, with a warning', current: '', known: {}, want: 'spark-pi-5f2c9a7e', corrected: true },
    { name: 'not a label value: derived, with a warning', current: '-bad name-', known: {}, want: 'spark-pi-5f2c9a7e', corrected: true },
  ])('driver: $name', ({ current, known, want, corrected }) => {
    const d = decideGangName(driver, current, known);
    expect(d.name).toBe(want);
    expect(d.correction !== undefined).toBe(corrected);
    if (corrected) expect(d.correction).toContain(JSON.stringify(current));
  });

  it.each([
    { name: "seed mistake: my-job-executor corrected to the driver pod's my-job-driver", current: 'my-job-executor', known: { driver: driverPod('my-job-driver') }, want: 'my-job-driver', corrected: true },
    { name: 'same as the driver pod: kept silently', current: 'spark-pi', known: { driver: driverPod('spark-pi') }, want: 'spark-pi', corrected: false },
    { name: "no label: the driver pod's name, silently", current: undefined, known: { driver: driverPod('spark-pi') }, want: 'spark-pi', corrected: false },
    { name: 'the driver pod beats the SparkApplication', current: 'my-job-executor', known: { driver: driverPod('spark-pi'), app: app('my-job-driver', 'my-job-executor') }, want: 'spark-pi', corrected: true },
    { name: "driver pod not cached: the SparkApplication's driver label", current: 'my-job-executor', known: { app: app('my-job-driver', 'my-job-executor') }, want: 'my-job-driver', corrected: true },
    { name: "driver pod not cached: the driver label in the SparkApplication's sparkConf", current: undefined, known: { app: app(undefined, undefined, { [`spark.kubernetes.driver.label.${GANG}`]: 'from-conf' }) }, want: 'from-conf', corrected: false },
    { name: 'SparkApplication names no driver gang: the driver derives, so does the executor', current: 'mine', known: { app: app(undefined, 'mine') }, want: 'spark-pi-5f2c9a7e', corrected: true },
    { name: 'driver pod admitted unshaped (no gang label): the executor keeps its own', current: 'mine', known: { driver: driverPod() }, want: 'mine', corrected: false },
    { name: 'driver unknown (standalone): a valid name is kept', current: 'my-job-executor', known: {}, want: 'my-job-executor', corrected: false },
    { name: 'driver unknown, no label: derived', current: undefined, known: {}, want: 'spark-pi-5f2c9a7e', corrected: false },
    { name: 'driver unknown, invalid label: derived, with a warning', current: 'a/b', known: {}, want: 'spark-pi-5f2c9a7e', corrected: true },
  ])('executor: $name', ({ current, known, want, corrected }) => {
    const d = decideGangName(executor, current, known);
    expect(d.name).toBe(want);
    expect(d.correction !== undefined).toBe(corrected);
    if (corrected) expect(d.correction).toContain(JSON.stringify(current));
  });
});
