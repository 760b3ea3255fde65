// Issue 8, item 1 in the extender: a driver's executor count and shape come
// from what the user stated, else the driver's spark.properties (waiting for
// the ConfigMap spark-submit creates right after the driver, and waking the
// driver when it arrives), else what the webhook derived, else defaults; the
// choice shows in the filter's message and the gang record.
import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { resolveDriverExecutors, type SparkConfState } from '../../../src/gang/driver-executors.js';
import type { ExtenderFilterResult } from '../../../src/k8s/wire.js';
import { makeState, T0, type TestState } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { submitConfigMap, submitDriver, type SubmitSpec } from '../../support/spark-submit.js';

const log = pino({ level: 'silent' });
const MiB = 2 ** 20;
const spec: SubmitSpec = { ns: 'spark', app: 'pi-conf', selector: 'spark-4b7e2a9c1d3f4e5a8b6c7d8e9f0a1b2c', hash: '7e3b9d1a5c2f4a60', conf: { 'spark.executor.instances': '4', 'spark.executor.cores': '2' } };

function driverPod(annotations: Record<string, string> = {}): V1Pod {
  const d = submitDriver(spec);
  d.metadata = { ...d.metadata, uid: 'uid-driver', creationTimestamp: new Date(T0) as unknown as Date, annotations: { ...(d.metadata?.annotations ?? {}), ...annotations } };
  d.metadata.labels = { ...d.metadata.labels, 'pod-group.scheduling.kubenexus.io/name': 'pi-conf-4b7e2a9c' };
  d.spec = { ...d.spec!, schedulerName: 'gangplank-scheduler' };
  return d;
}

function filter(ts: TestState, pod: V1Pod): ExtenderFilterResult {
  return createFilterVerb(ts.state).handle({ Pod: pod, NodeNames: ts.nodes.list().map((n) => n.metadata!.name!) }, log) as ExtenderFilterResult;
}

const nodes = () => [makeNode('n1').cpu('5').memory('16Gi').obj(), makeNode('n2').cpu('5').memory('16Gi').obj()];

describe('a spark-submit driver on the extender', () => {
  it('waits for its spark.properties, is woken when the ConfigMap arrives, and reserves 4 executors of 2 cpu from it', () => {
    const ts = makeState({ nodes: nodes(), config: { sparkConfigWaitSeconds: 5 } });
    const d = driverPod();
    ts.addPod(d);
    const first = filter(ts, d);
    expect(first.NodeNames).toEqual([]);
    expect(first.FailedNodes?.n1).toBe("gang spark/pi-conf-4b7e2a9c: waiting for the driver's spark.properties ConfigMap to learn the executor count and the executor shape");
    ts.clock.now += 500;
    ts.state.tick(true);
    expect(ts.woken).toEqual([]);

    ts.configMaps.upsert(submitConfigMap(spec, d));
    ts.clock.now += 500;
    ts.state.tick(true);
    expect(ts.woken).toEqual([{ namespace: 'spark', name: 'pi-conf-driver', uid: 'uid-driver' }]);

    const second = filter(ts, d);
    expect(second.NodeNames).toHaveLength(1);
    const gang = ts.state.ledger.get('spark/pi-conf-4b7e2a9c')!;
    const slots = gang.slots.filter((s) => s.role === 'executor');
    expect(slots.map((s) => s.requests)).toEqual(Array(4).fill({ cpu: 2000, memory: 1408 * MiB, pods: 1 }));
    expect(ts.state.ledger.serialise('spark/pi-conf-4b7e2a9c')?.sources).toEqual({ count: 'spark-properties', resources: 'spark-properties' });
    expect(ts.events.find((e) => e.reason === 'GangReserved')?.message).toMatch(/driver on n\d; 4 executors of \{cpu 2, memory 1408Mi\} \(N and executor shape from spark-properties\) reserved on 2 nodes/);
  });

  it("is woken when its wait is over, and falls back to Spark's defaults, saying so", () => {
    const ts = makeState({ nodes: nodes(), config: { sparkConfigWaitSeconds: 5 } });
    const d = driverPod();
    ts.addPod(d);
    expect(filter(ts, d).NodeNames).toEqual([]);
    ts.clock.now = T0 + 5_000;
    ts.state.tick(true);
    expect(ts.woken.map((p) => p.name)).toEqual(['pi-conf-driver']);
    const r = filter(ts, d);
    expect(r.NodeNames).toHaveLength(1);
    expect(ts.state.ledger.get('spark/pi-conf-4b7e2a9c')!.slots.filter((s) => s.role === 'executor')).toHaveLength(2);
    expect(ts.events.find((e) => e.reason === 'GangReserved')?.message).toMatch(/2 executors of \{cpu 1, memory 1408Mi\} \(N and executor shape from spark-defaults\)/);
    // Past its wait the driver is not registered again: no stream of wakes.
    ts.clock.now += 1_000;
    ts.state.tick(true);
    expect(ts.woken).toHaveLength(1);
  });
});

describe('which source wins (resolveDriverExecutors)', () => {
  const found: SparkConfState = { state: 'found', text: submitConfigMap(spec, driverPod()).data!['spark.properties']! };
  const pending: SparkConfState = { state: 'pending' };
  const none: SparkConfState = { state: 'none' };
  const twoCpu = { cpu: 2000, memory: 1408 * MiB };
  const oneCpu = { cpu: 1000, memory: 1408 * MiB };
  it.each<{ name: string; annotations?: Record<string, string>; labels?: Record<string, string>; conf: SparkConfState; age?: number; want: unknown }>([
    { name: 'spark.properties, nothing on the driver', conf: found, want: { count: 4, countSource: 'spark-properties', requests: twoCpu, resourcesSource: 'spark-properties' } },
    {
      name: 'spark.properties over what the webhook took from the profile',
      annotations: { 'gangplank.io/executor-count': '2', 'gangplank.io/executor-count-source': 'profile', 'gangplank.io/executor-resources': '{"cpu":"1","memory":"1408Mi"}', 'gangplank.io/executor-resources-source': 'profile' },
      conf: found,
      want: { count: 4, countSource: 'spark-properties', requests: twoCpu, resourcesSource: 'spark-properties' },
    },
    {
      name: "the user's own annotations over spark.properties",
      annotations: { 'gangplank.io/executor-count': '3', 'gangplank.io/executor-resources': '{"cpu":"1","memory":"1408Mi"}' },
      conf: found,
      want: { count: 3, countSource: 'annotation', requests: oneCpu, resourcesSource: 'annotation' },
    },
    { name: "the seed's min-available label is N, the shape still from spark.properties", labels: { 'pod-group.scheduling.kubenexus.io/min-available': '3' }, conf: found, want: { count: 2, countSource: 'min-available', requests: twoCpu, resourcesSource: 'spark-properties' } },
    {
      name: 'no ConfigMap (client mode): what the webhook derived',
      annotations: { 'gangplank.io/executor-count': '6', 'gangplank.io/executor-count-source': 'spark-conf', 'gangplank.io/executor-resources': '{"cpu":"2","memory":"4505Mi"}', 'gangplank.io/executor-resources-source': 'spark-conf' },
      conf: none,
      want: { count: 6, countSource: 'spark-conf', requests: { cpu: 2000, memory: 4505 * MiB }, resourcesSource: 'spark-conf' },
    },
    { name: "no ConfigMap, nothing derived: Spark's defaults", conf: none, want: { count: 2, countSource: 'spark-defaults', requests: oneCpu, resourcesSource: 'spark-defaults' } },
    {
      name: 'the profile layers cap the shape from spark.properties',
      annotations: { 'gangplank.io/executor-resource-layers': '{"overrides":{"limits":{"cpu":"500m","memory":"1Gi"}}}' },
      conf: found,
      want: { count: 4, countSource: 'spark-properties', requests: { cpu: 500, memory: 1024 * MiB }, resourcesSource: 'spark-properties' },
    },
  ])('$name', ({ annotations, labels, conf, want }) => {
    const d = driverPod(annotations);
    d.metadata!.labels = { ...d.metadata!.labels, ...(labels ?? {}) };
    expect(resolveDriverExecutors({ driver: d, sparkConf: conf, age: 0, waitSeconds: 5 })).toEqual({ kind: 'known', executors: want });
  });

  it.each<{ name: string; annotations?: Record<string, string>; conf: SparkConfState; age: number; want: unknown }>([
    { name: 'waits while the ConfigMap is pending', conf: pending, age: 4_999, want: { kind: 'wait', message: "waiting for the driver's spark.properties ConfigMap to learn the executor count and the executor shape" } },
    { name: 'waits only for what the user did not state', annotations: { 'gangplank.io/executor-count': '3' }, conf: pending, age: 0, want: { kind: 'wait', message: "waiting for the driver's spark.properties ConfigMap to learn the executor shape" } },
    { name: 'a malformed count on the driver is refused, with the key', annotations: { 'gangplank.io/executor-count': 'x' }, conf: found, age: 0, want: { kind: 'invalid', message: expect.stringMatching(/^gangplank.io\/executor-count is not a whole number/) } },
    { name: 'a malformed source is refused', annotations: { 'gangplank.io/executor-count': '2', 'gangplank.io/executor-count-source': 'guess' }, conf: found, age: 0, want: { kind: 'invalid', message: expect.stringMatching(/executor-count-source is not one of/) } },
  ])('$name', ({ annotations, conf, age, want }) => {
    expect(resolveDriverExecutors({ driver: driverPod(annotations), sparkConf: conf, age, waitSeconds: 5 })).toEqual(want);
  });

  it('after the wait a pending ConfigMap counts as none', () => {
    const r = resolveDriverExecutors({ driver: driverPod(), sparkConf: pending, age: 5_000, waitSeconds: 5 });
    expect(r.kind === 'known' && r.executors.countSource).toBe('spark-defaults');
  });
});
