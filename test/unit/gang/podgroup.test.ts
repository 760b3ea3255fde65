// scheduler-plugins PodGroups (issue 10, item 1): reading the spec, the
// phase for member counts, and gangs named by the PodGroup label through
// filter → bind, with and without the API served.
import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bind } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { PodGroupSource } from '../../../src/extender/podgroups.js';
import { GangStatusWriter, type StatusApi } from '../../../src/extender/gang-status.js';
import { StaticCache } from '../../../src/k8s/cache.js';
import { podGroupInfo, podGroupPhase, type PodGroupObject, type PodGroupStatus } from '../../../src/gang/podgroup.js';
import type { ExtenderFilterResult } from '../../../src/k8s/wire.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';
import { makeState, type TestState } from '../../support/extender.js';

const log = pino({ level: 'silent' });
const PG = 'scheduling.x-k8s.io/pod-group';

function podGroup(name: string, spec: PodGroupObject['spec'], extra: Partial<NonNullable<PodGroupObject['metadata']>> = {}): PodGroupObject {
  return {
    apiVersion: 'scheduling.x-k8s.io/v1alpha1',
    kind: 'PodGroup',
    metadata: { name, namespace: 'ml', uid: `uid-pg-${name}`, resourceVersion: '1', ...extra },
    spec,
  };
}

/** A PodGroupSource attached to a static cache (the API "served"). */
function served(...pgs: PodGroupObject[]): { source: PodGroupSource; cache: StaticCache<PodGroupObject> } {
  const source = new PodGroupSource();
  const cache = new StaticCache<PodGroupObject>('podgroups', pgs);
  source.attach(cache);
  return { source, cache };
}

const member = (name: string, group: string, cpu = '1', created = '2026-01-01T00:00:00Z') =>
  makePod(name).ns('ml').uid(`uid-${name}`).created(created).label(PG, group).scheduler('gangplank-scheduler').requests({ cpu, memory: '1Gi' });

function filter(ts: TestState, pod: V1Pod): ExtenderFilterResult {
  return createFilterVerb(ts.state).handle({ Pod: pod, NodeNames: ts.nodes.list().map((n) => n.metadata!.name!) }, log) as ExtenderFilterResult;
}

async function bindTo(ts: TestState, pod: V1Pod, node: string): Promise<V1Pod> {
  await bind(ts.state, { PodName: pod.metadata!.name!, PodNamespace: pod.metadata!.namespace!, PodUID: pod.metadata!.uid!, Node: node });
  return ts.markBound(pod, node, ts.binder.bindings.at(-1)!.annotations);
}

const nodes = (n: number, cpu = '2') => Array.from({ length: n }, (_, i) => makeNode(`n${i + 1}`).cpu(cpu).memory('16Gi').obj());

describe('PodGroup spec', () => {
  it.each([
    { name: 'P01 minMember, minResources and timeout read', spec: { minMember: 3, minResources: { cpu: '3', memory: '6Gi' }, scheduleTimeoutSeconds: 30 }, want: { minMember: 3, minResources: { cpu: 3000, memory: 6 * 2 ** 30 }, timeoutSeconds: 30 } },
    { name: 'P02 minMember absent or 0 means 1', spec: {}, want: { minMember: 1, minResources: {} } },
    { name: 'P03 scheduleTimeoutSeconds 0 means the default', spec: { minMember: 2, scheduleTimeoutSeconds: 0 }, want: { minMember: 2, minResources: {} } },
  ])('$name', ({ spec, want }) => {
    const info = podGroupInfo(podGroup('g', spec));
    expect({ minMember: info.minMember, minResources: info.minResources, ...(info.timeoutSeconds ? { timeoutSeconds: info.timeoutSeconds } : {}) }).toEqual(want);
    expect(info.invalid).toBeUndefined();
  });

  it.each([
    { name: 'P04 a negative minMember', spec: { minMember: -1 }, why: /minMember -1/ },
    { name: 'P05 a minMember no cluster holds', spec: { minMember: 1e9 }, why: /more than 10001/ },
    { name: 'P06 a quantity the scanner refuses', spec: { minResources: { cpu: '1e400' } }, why: /minResources\.cpu/ },
    { name: 'P07 a fractional time-out', spec: { scheduleTimeoutSeconds: 1.5 } as PodGroupObject['spec'], why: /scheduleTimeoutSeconds/ },
  ])('$name makes the PodGroup invalid, with the reason', ({ spec, why }) => {
    expect(podGroupInfo(podGroup('g', spec)).invalid).toMatch(why);
  });

  it('P08 a PodGroup a SparkApplication controls names it (spark-operator)', () => {
    const pg = podGroup('pi-pg', { minMember: 1 }, { ownerReferences: [{ apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'SparkApplication', name: 'pi', uid: 'u', controller: true }] });
    expect(podGroupInfo(pg).sparkApplication).toBe('pi');
  });

  it.each([
    { name: 'P10 nothing scheduled', c: { total: 3, scheduled: 2, running: 0, succeeded: 0, failed: 0 }, min: 3, want: 'Pending' },
    { name: 'P11 minMember scheduled, none running', c: { total: 3, scheduled: 3, running: 0, succeeded: 0, failed: 0 }, min: 3, want: 'Scheduling' },
    { name: 'P12 minMember running', c: { total: 3, scheduled: 3, running: 3, succeeded: 0, failed: 0 }, min: 3, want: 'Running' },
    { name: 'P13 a member failed after all started', c: { total: 3, scheduled: 3, running: 2, succeeded: 0, failed: 1 }, min: 3, want: 'Failed' },
    { name: 'P14 minMember succeeded', c: { total: 3, scheduled: 3, running: 0, succeeded: 3, failed: 0 }, min: 3, want: 'Finished' },
  ])('$name: $want', ({ c, min, want }) => {
    expect(podGroupPhase(c, min)).toBe(want);
  });
});

describe('gangs named by a PodGroup', () => {
  it('P20 no member is placed until minMember exist; then all are, each on its planned node', async () => {
    const { source } = served(podGroup('trio', { minMember: 3 }));
    const ts = makeState({ nodes: nodes(2), podGroups: source });
    const pods = [member('a', 'trio'), member('b', 'trio'), member('c', 'trio')].map((b) => b.obj());
    ts.addPod(pods[0]!);
    ts.addPod(pods[1]!);
    const early = filter(ts, pods[0]!);
    expect(early.NodeNames).toEqual([]);
    expect(Object.values(early.FailedNodes ?? {})[0]).toMatch(/2 of 3 members exist \(PodGroup trio minMember\)/);
    ts.addPod(pods[2]!);
    const planned = pods.map((p) => filter(ts, p).NodeNames ?? []);
    expect(planned.every((n) => n.length === 1)).toBe(true);
    for (const [i, p] of pods.entries()) await bindTo(ts, p, planned[i]![0]!);
    expect(ts.state.ledger.get('ml/trio')?.state).toBe('filled');
  });

  it('P21 minResources: members that ask for less than it wait, however many they are', () => {
    const { source } = served(podGroup('big', { minMember: 2, minResources: { cpu: '4' } }));
    const ts = makeState({ nodes: nodes(3), podGroups: source });
    const a = member('a', 'big').obj();
    const b = member('b', 'big').obj();
    ts.addPod(a);
    ts.addPod(b);
    const r = filter(ts, a);
    expect(r.NodeNames).toEqual([]);
    expect(Object.values(r.FailedNodes ?? {})[0]).toMatch(/request \{cpu 2\} of the \{cpu 4\} PodGroup big names in minResources/);
    ts.addPod(member('c', 'big', '2').obj());
    expect(filter(ts, a).NodeNames).toHaveLength(1);
  });

  it('P22 scheduleTimeoutSeconds is the gang time-out: room held for an unbound member is released after it', async () => {
    const { source } = served(podGroup('duo', { minMember: 2, scheduleTimeoutSeconds: 7 }));
    const ts = makeState({ nodes: nodes(1), podGroups: source, config: { gangTimeoutSeconds: 600 } });
    const a = member('a', 'duo').obj();
    const b = member('b', 'duo').obj();
    ts.addPod(a);
    ts.addPod(b);
    const node = filter(ts, a).NodeNames![0]!;
    await bindTo(ts, a, node);
    expect(ts.state.ledger.get('ml/duo')?.timeoutMs).toBe(7000);
    ts.clock.now += 6_000;
    ts.state.tick(true);
    expect(ts.state.ledger.get('ml/duo')).toBeDefined();
    ts.clock.now += 2_000;
    ts.state.tick(true);
    expect(ts.state.ledger.get('ml/duo')).toBeUndefined();
  });

  it('P23 a pod whose PodGroup does not exist waits for it', () => {
    const { source, cache } = served();
    const ts = makeState({ nodes: nodes(1), podGroups: source });
    const a = member('a', 'later').obj();
    ts.addPod(a);
    const r = filter(ts, a);
    expect(r.NodeNames).toEqual([]);
    expect(Object.values(r.FailedNodes ?? {})[0]).toMatch(/PodGroup later not found/);
    cache.upsert(podGroup('later', { minMember: 1 }));
    expect(filter(ts, a).NodeNames).toEqual(['n1']);
  });

  it('P24 an invalid PodGroup does not fit, unresolvably, with the reason', () => {
    const { source } = served(podGroup('bad', { minMember: 2, minResources: { cpu: '1e400' } }));
    const ts = makeState({ nodes: nodes(1), podGroups: source });
    const a = member('a', 'bad').obj();
    ts.addPod(a);
    const r = filter(ts, a);
    expect(Object.values(r.FailedAndUnresolvableNodes ?? {})[0]).toMatch(/PodGroup ml\/bad: spec.minResources.cpu/);
  });

  it('P25 while the API is not served the label names no gang: each pod is placed on its own', () => {
    const ts = makeState({ nodes: nodes(1), podGroups: new PodGroupSource() });
    const a = member('a', 'trio').obj();
    ts.addPod(a);
    expect(filter(ts, a).NodeNames).toEqual(['n1']);
    expect(ts.state.ledger.get('ml/trio')).toBeUndefined();
  });

  it('P26 the kubenexus gang label wins over the PodGroup label; the PodGroup then names nothing', () => {
    const { source } = served(podGroup('pg', { minMember: 5 }));
    const ts = makeState({ nodes: nodes(2), podGroups: source });
    const a = member('a', 'pg').gang('own', 1).obj();
    ts.addPod(a);
    expect(filter(ts, a).NodeNames).toHaveLength(1);
    expect(ts.state.ledger.get('ml/own')).toBeDefined();
  });
});

describe('PodGroup status', () => {
  class RecordingApi implements StatusApi {
    readonly pods: { name: string; labels: Record<string, string | null>; annotations: Record<string, string | null> }[] = [];
    readonly groups: { name: string; status: PodGroupStatus }[] = [];
    async patchPod(_ns: string, name: string, _uid: string, labels: Record<string, string | null>, annotations: Record<string, string | null>) {
      this.pods.push({ name, labels, annotations });
    }
    async patchPodGroupStatus(_ns: string, name: string, status: PodGroupStatus) {
      this.groups.push({ name, status });
    }
  }

  it('P30 follows the members: Pending, then Scheduling once minMember are bound, then Running; only changes are written', async () => {
    const { source, cache } = served(podGroup('duo', { minMember: 2 }));
    const ts = makeState({ nodes: nodes(1), podGroups: source });
    const api = new RecordingApi();
    const writer = new GangStatusWriter({ state: ts.state, api, logger: log, writer: () => true, clock: () => ts.clock.now });
    const a = member('a', 'duo').obj();
    const b = member('b', 'duo').obj();
    ts.addPod(a);
    writer.mark('ml/duo');
    await writer.flush();
    expect(api.groups.at(-1)?.status.phase).toBe('Pending');
    expect(JSON.parse(api.pods.at(-1)!.annotations['gangplank.io/gang-status']!)).toMatchObject({ phase: 'Pending', need: 2, members: 1, message: '1 of 2 members exist' });
    // The API now shows what was written: nothing more to write.
    const shown = cache.get('duo', 'ml')!;
    cache.upsert({ ...shown, status: api.groups.at(-1)!.status });
    const writes = api.groups.length;
    writer.mark('ml/duo');
    await writer.flush();
    expect(api.groups.length).toBe(writes);

    ts.addPod(b);
    const node = filter(ts, a).NodeNames![0]!;
    filter(ts, b);
    const ba = await bindTo(ts, a, node);
    const bb = await bindTo(ts, b, node);
    // markBound shows them Running (as a kubelet would); first the bound, not yet running state:
    ts.addPod({ ...ba, status: { phase: 'Pending' } });
    ts.addPod({ ...bb, status: { phase: 'Pending' } });
    writer.mark('ml/duo');
    await writer.flush();
    expect(api.groups.at(-1)?.status).toMatchObject({ phase: 'Scheduling', running: 0 });
    expect(api.groups.at(-1)?.status.scheduleStartTime).toMatch(/^2026-01-01T00:00:00Z$/);
    ts.addPod(ba);
    ts.addPod(bb);
    writer.mark('ml/duo');
    await writer.flush();
    expect(api.groups.at(-1)?.status).toMatchObject({ phase: 'Running', running: 2 });
    expect(api.pods.at(-1)?.labels['gangplank.io/gang-phase']).toBe('Running');
  });

  it('P31 a replica that is not the background writer writes nothing', async () => {
    const { source } = served(podGroup('duo', { minMember: 2 }));
    const ts = makeState({ nodes: nodes(1), podGroups: source });
    const api = new RecordingApi();
    const writer = new GangStatusWriter({ state: ts.state, api, logger: log, writer: () => false, clock: () => ts.clock.now });
    ts.addPod(member('a', 'duo').obj());
    writer.mark('ml/duo');
    await writer.flush();
    expect(api.pods).toEqual([]);
    expect(api.groups).toEqual([]);
  });
});
