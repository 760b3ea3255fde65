// What the extender tells operators and users: gangplank_gangs by state
// (does_not_fit and waiting included), gangs waiting past their time-out,
// the reservations gauges in their units, and Events tied to the pod's uid
// so `kubectl describe pod` shows them.
import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { eventRecorder, involvedPod } from '../../../src/extender/kube.js';
import type { GangEvent } from '../../../src/extender/state.js';
import { bind } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { gangId } from '../../../src/gang/identity.js';
import type { KubeClient, RequestSpec } from '../../../src/k8s/client.js';
import type { ExtenderFilterResult } from '../../../src/k8s/wire.js';
import { silentLogger } from '../../../src/log.js';
import { makeState, T0, type TestState } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const log = pino({ level: 'silent' });

function filter(ts: TestState, pod: V1Pod): ExtenderFilterResult {
  return createFilterVerb(ts.state).handle({ Pod: pod, NodeNames: ts.nodes.list().map((n) => n.metadata!.name!) }, log) as ExtenderFilterResult;
}

async function bindTo(ts: TestState, pod: V1Pod, node: string): Promise<V1Pod> {
  await bind(ts.state, { PodName: pod.metadata!.name!, PodNamespace: pod.metadata!.namespace!, PodUID: pod.metadata!.uid!, Node: node });
  return ts.markBound(pod, node, ts.binder.bindings.at(-1)!.annotations);
}

/** Sample values of one metric, keyed by its labels as `k=v,…` ('' without labels). */
async function values(ts: TestState, name: string): Promise<Record<string, number>> {
  const metric = ts.state.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const out: Record<string, number> = {};
  for (const v of (await metric.get()).values) {
    const labels = Object.entries(v.labels)
      .map(([k, l]) => `${k}=${String(l)}`)
      .join(',');
    out[(v as { metricName?: string }).metricName?.endsWith('_count') ? `count:${labels}` : labels] = v.value;
  }
  return out;
}

const gangStates = (ts: TestState) => values(ts, 'gangplank_gangs');

function driver(n: number, timeoutSeconds = 60): V1Pod {
  const d = makePod('pi-driver')
    .ns('spark')
    .uid('uid-pi-driver')
    .created(new Date(T0).toISOString())
    .sparkApp('spark-pi', 'sel-pi')
    .role('driver')
    .gang('gang-pi', n + 1)
    .annotation('gangplank.io/executor-resources', JSON.stringify({ cpu: '1', memory: '1Gi' }))
    .annotation('gangplank.io/timeout-seconds', String(timeoutSeconds))
    .requests({ cpu: '1', memory: '1Gi' })
    .obj();
  d.metadata!.resourceVersion = '4242';
  return d;
}

function executor(i: number): V1Pod {
  return makePod(`pi-exec-${i}`).ns('spark').uid(`uid-pi-exec-${i}`).sparkApp('spark-pi', 'sel-pi').role('executor').executorOf('pi-driver', 'uid-pi-driver', i).requests({ cpu: '1', memory: '1Gi' }).obj();
}

describe('gangplank_gangs and the reservations gauges', () => {
  it('every state reads 0 before any gang is seen', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('16Gi').obj()] });
    expect(await gangStates(ts)).toEqual({ 'state=waiting': 0, 'state=does_not_fit': 0, 'state=planned': 0, 'state=reserved': 0, 'state=filled': 0 });
    expect(await values(ts, 'gangplank_gangs_waiting_past_timeout')).toEqual({ '': 0 });
  });

  it('follows a gang from does_not_fit (and past its time-out) through planned and reserved to filled', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('2').memory('16Gi').obj()] });
    const d = driver(3, 60);
    ts.addPod(d);
    expect(filter(ts, d).FailedAndUnresolvableNodes).toBeDefined();
    expect(await gangStates(ts)).toMatchObject({ 'state=does_not_fit': 1, 'state=waiting': 0, 'state=planned': 0 });

    // Still turned away 61 s after the driver was created: past its 60 s time-out.
    ts.clock.now = T0 + 30_000;
    ts.state.tick(true);
    expect(await values(ts, 'gangplank_gangs_waiting_past_timeout')).toEqual({ '': 0 });
    ts.clock.now = T0 + 61_000;
    filter(ts, d);
    ts.state.tick(true);
    expect(await values(ts, 'gangplank_gangs_waiting_past_timeout')).toEqual({ '': 1 });

    // Room appears: the gang is planned, then reserved once the driver binds.
    const big = makeNode('n2').cpu('4').memory('16Gi').obj();
    ts.nodes.upsert(big);
    ts.state.onNode('add', big);
    const node = filter(ts, d).NodeNames![0]!;
    expect(await gangStates(ts)).toMatchObject({ 'state=does_not_fit': 0, 'state=planned': 1 });
    expect(await values(ts, 'gangplank_gangs_waiting_past_timeout')).toEqual({ '': 0 });
    await bindTo(ts, d, node);
    expect(await gangStates(ts)).toMatchObject({ 'state=planned': 0, 'state=reserved': 1 });
    expect(await values(ts, 'gangplank_reservations_held_cpu_cores')).toEqual({ '': 3 });
    expect(await values(ts, 'gangplank_reservations_held_memory_bytes')).toEqual({ '': 3 * 2 ** 30 });
    expect(await values(ts, 'gangplank_reservations_held_pods')).toEqual({ '': 3 });

    for (let i = 1; i <= 3; i++) {
      const e = executor(i);
      ts.addPod(e);
      await bindTo(ts, e, filter(ts, e).NodeNames![0]!);
    }
    expect(await gangStates(ts)).toMatchObject({ 'state=reserved': 0, 'state=filled': 1, 'state=does_not_fit': 0 });
    expect(await values(ts, 'gangplank_reservations_held_cpu_cores')).toEqual({ '': 0 });
    expect(await values(ts, 'gangplank_reservations_held_pods')).toEqual({ '': 0 });
    const bound = await values(ts, 'gangplank_gang_time_to_bound_seconds');
    expect(bound['count:']).toBe(1);
  });

  it('counts a gang filled once, also when the watch shows the last executor bound before its Binding answers', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('8').memory('32Gi').obj()] });
    const d = driver(2);
    ts.addPod(d);
    await bindTo(ts, d, filter(ts, d).NodeNames![0]!);
    const pods = new Map<string, V1Pod>([1, 2].map((i) => [`uid-pi-exec-${i}`, executor(i)]));
    // The informer's update for each executor (bound, with the slot its Binding named) is handled
    // while the bind verb still waits for the API server's answer: the slot is consumed there first.
    ts.binder.onBind = (b) => {
      const p = pods.get(b.uid);
      if (p) ts.markBound(p, b.node, b.annotations);
    };
    for (const e of pods.values()) {
      ts.addPod(e);
      await bind(ts.state, { PodName: e.metadata!.name!, PodNamespace: 'spark', PodUID: e.metadata!.uid!, Node: filter(ts, e).NodeNames![0]! });
    }
    expect(await gangStates(ts)).toMatchObject({ 'state=filled': 1, 'state=reserved': 0 });
    expect((await values(ts, 'gangplank_gang_time_to_bound_seconds'))['count:']).toBe(1);
    expect((await values(ts, 'gangplank_reservations_released_total'))['reason=filled']).toBe(1);
  });

  it('a co-created gang short of members is waiting, and stops counting when its member goes', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('16Gi').obj()] });
    const m = makePod('m1').ns('team').uid('uid-m1').created(new Date(T0).toISOString()).gang('trio', 3).cpu('1').obj();
    ts.addPod(m);
    filter(ts, m);
    expect(await gangStates(ts)).toMatchObject({ 'state=waiting': 1, 'state=does_not_fit': 0 });
    ts.deletePod(m);
    ts.state.tick(true);
    expect(await gangStates(ts)).toMatchObject({ 'state=waiting': 0 });
  });
});

describe('Events carry the pod uid', () => {
  it('GangDoesNotFit names the filtered pod by uid and resourceVersion', () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('2').memory('16Gi').obj()] });
    const d = driver(3);
    ts.addPod(d);
    filter(ts, d);
    expect(ts.events.at(-1)).toMatchObject({ reason: 'GangDoesNotFit', namespace: 'spark', name: 'pi-driver', uid: 'uid-pi-driver', resourceVersion: '4242' });
  });

  it('GangReserved and GangTimedOut name the driver by uid', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('16Gi').obj()] });
    const d = driver(2, 60);
    ts.addPod(d);
    await bindTo(ts, d, filter(ts, d).NodeNames![0]!);
    expect(ts.events.at(-1)).toMatchObject({ reason: 'GangReserved', uid: 'uid-pi-driver' });
    ts.clock.now += 61_000;
    ts.state.tick(true);
    expect(ts.events.at(-1)).toMatchObject({ reason: 'GangTimedOut', name: 'pi-driver', uid: 'uid-pi-driver' });
  });

  const event = (over: Partial<GangEvent> = {}): GangEvent => ({
    type: 'Warning',
    reason: 'GangDoesNotFit',
    gang: gangId('spark', 'gang-pi'),
    namespace: 'spark',
    name: 'pi-driver',
    uid: 'uid-1',
    resourceVersion: '7',
    message: 'gang spark/gang-pi: does not fit',
    ...over,
  });

  function recorder(now: { t: number }) {
    const posted: RequestSpec[] = [];
    const client: KubeClient = {
      // Only request() is used here.
    server: 'https://fake',
    watch: () => ({ abort() {} }),
      async request<T>(spec: RequestSpec): Promise<T> {
        posted.push(spec);
        return {} as T;
      },
    };
    return { posted, record: eventRecorder(client, silentLogger(), 60_000, () => now.t) };
  }

  it('posts involvedObject with uid and resourceVersion, so kubectl describe pod lists it', () => {
    const now = { t: T0 };
    const { posted, record } = recorder(now);
    record(event());
    expect(posted).toHaveLength(1);
    expect(posted[0]!.path).toBe('/api/v1/namespaces/spark/events');
    const body = posted[0]!.body as { involvedObject: unknown; reason: string };
    expect(body.involvedObject).toEqual({ apiVersion: 'v1', kind: 'Pod', name: 'pi-driver', namespace: 'spark', uid: 'uid-1', resourceVersion: '7' });
    expect(body.reason).toBe('GangDoesNotFit');
  });

  it('rate-limits per pod uid: a new pod reusing the name is told at once', () => {
    const now = { t: T0 };
    const { posted, record } = recorder(now);
    record(event());
    now.t += 1_000;
    record(event());
    expect(posted).toHaveLength(1);
    record(event({ uid: 'uid-2' }));
    expect(posted).toHaveLength(2);
    expect((posted[1]!.body as { involvedObject: { uid: string } }).involvedObject.uid).toBe('uid-2');
  });

  it('leaves out what it does not know rather than sending empty strings', () => {
    expect(involvedPod(event({ uid: '', resourceVersion: undefined }))).toEqual({ apiVersion: 'v1', kind: 'Pod', name: 'pi-driver', namespace: 'spark' });
  });
});
