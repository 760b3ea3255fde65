// Native PodGroups (issue 10, Workload API; src/gang/native.ts): filter
// calls in kube-scheduler's PodGroup cycle are speculative, so filter commits
// nothing; the first member's bind commits the group, whose members still
// binding then hold their room against everyone else.
import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bind } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { NativeGroupSource } from '../../../src/extender/native-groups.js';
import { StaticCache } from '../../../src/k8s/cache.js';
import type { NativePodGroupObject } from '../../../src/gang/native.js';
import type { ExtenderFilterResult } from '../../../src/k8s/wire.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';
import { makeState, type TestState } from '../../support/extender.js';

const log = pino({ level: 'silent' });

function group(name: string, minCount?: number): NativePodGroupObject {
  return {
    apiVersion: 'scheduling.k8s.io/v1beta1',
    kind: 'PodGroup',
    metadata: { name, namespace: 'ml', uid: `uid-pg-${name}` },
    spec: { schedulingPolicy: minCount === undefined ? { basic: {} } : { gang: { minCount } } },
  };
}

function served(...pgs: NativePodGroupObject[]): NativeGroupSource {
  const source = new NativeGroupSource();
  source.attach(new StaticCache<NativePodGroupObject>('podgroups.scheduling.k8s.io', pgs));
  return source;
}

const member = (name: string, grp: string, cpu = '1'): V1Pod => {
  const p = makePod(name).ns('ml').uid(`uid-${name}`).created('2026-01-01T00:00:00Z').scheduler('gangplank-scheduler').requests({ cpu, memory: '1Gi' }).obj();
  (p.spec as { schedulingGroup?: { podGroupName: string } }).schedulingGroup = { podGroupName: grp };
  return p;
};
const plain = (name: string, cpu: string): V1Pod => makePod(name).ns('ml').uid(`uid-${name}`).scheduler('gangplank-scheduler').requests({ cpu, memory: '1Gi' }).obj();

function filter(ts: TestState, pod: V1Pod): ExtenderFilterResult {
  return createFilterVerb(ts.state).handle({ Pod: pod, NodeNames: ts.nodes.list().map((n) => n.metadata!.name!) }, log) as ExtenderFilterResult;
}

async function bindTo(ts: TestState, pod: V1Pod, node: string): Promise<V1Pod> {
  await bind(ts.state, { PodName: pod.metadata!.name!, PodNamespace: pod.metadata!.namespace!, PodUID: pod.metadata!.uid!, Node: node });
  return ts.markBound(pod, node, ts.binder.bindings.at(-1)?.annotations ?? {});
}

const nodes = (n: number, cpu = '1') => Array.from({ length: n }, (_, i) => makeNode(`n${i + 1}`).cpu(cpu).memory('16Gi').obj());

describe('native PodGroups', () => {
  it('N01 filter pins each member but commits nothing: no plan, no room held from anyone', () => {
    const ts = makeState({ nodes: nodes(2), nativeGroups: served(group('duo', 2)) });
    const [a, b] = [member('a', 'duo'), member('b', 'duo')];
    ts.addPod(a);
    ts.addPod(b);
    expect(filter(ts, a).NodeNames).toHaveLength(1);
    expect(ts.state.ledger.get('ml/duo')).toBeUndefined();
    expect(ts.state.ledger.reservedTotal().cpu ?? 0).toBe(0);
    // Were the cycle rolled back, a pod in no gang finds all the room there was.
    const other = plain('other', '1');
    ts.addPod(other);
    expect(filter(ts, other).NodeNames).toEqual(['n1', 'n2']);
  });

  it('N02 members of one PodGroup cycle are pinned apart: the second sees where the first was put', () => {
    const ts = makeState({ nodes: nodes(2), nativeGroups: served(group('duo', 2)) });
    const [a, b] = [member('a', 'duo'), member('b', 'duo')];
    ts.addPod(a);
    ts.addPod(b);
    const na = filter(ts, a).NodeNames!;
    const nb = filter(ts, b).NodeNames!;
    expect(na).toHaveLength(1);
    expect(nb).toHaveLength(1);
    expect(nb[0]).not.toBe(na[0]);
  });

  it('N03 the first bind commits the group: the member still binding holds its room; its own bind consumes it', async () => {
    const ts = makeState({ nodes: nodes(2), nativeGroups: served(group('duo', 2)) });
    const [a, b] = [member('a', 'duo'), member('b', 'duo')];
    ts.addPod(a);
    ts.addPod(b);
    const na = filter(ts, a).NodeNames![0]!;
    const nb = filter(ts, b).NodeNames![0]!;
    await bindTo(ts, a, na);
    const gang = ts.state.ledger.get('ml/duo')!;
    expect(gang.kind).toBe('co-created');
    expect(gang.slots.map((s) => [s.podUid, s.node, !!s.consumedBy])).toEqual([
      ['uid-a', na, true],
      ['uid-b', nb, false],
    ]);
    // b's room is no one else's.
    const other = plain('other', '1');
    ts.addPod(other);
    expect(filter(ts, other).NodeNames).toEqual([]);
    expect(filter(ts, b).NodeNames).toEqual([nb]);
    await bindTo(ts, b, nb);
    expect(ts.state.ledger.get('ml/duo')?.state).toBe('filled');
    // The plan rode on the first member's Binding, as for any co-created gang.
    expect(ts.binder.bindings[0]?.annotations['gangplank.io/gang-record']).toContain('"name":"duo"');
  });

  it('N04 kube-scheduler\'s choice stands: a member bound elsewhere than filter pinned it moves its slot, and is bound', async () => {
    const ts = makeState({ nodes: nodes(3), nativeGroups: served(group('duo', 2)) });
    const [a, b] = [member('a', 'duo'), member('b', 'duo')];
    ts.addPod(a);
    ts.addPod(b);
    const na = filter(ts, a).NodeNames![0]!;
    const nb = filter(ts, b).NodeNames![0]!;
    await bindTo(ts, a, na);
    const elsewhere = ['n1', 'n2', 'n3'].find((n) => n !== na && n !== nb)!;
    await bindTo(ts, b, elsewhere);
    expect(ts.state.ledger.get('ml/duo')?.state).toBe('filled');
    expect(ts.state.ledger.reservedTotal().cpu ?? 0).toBe(0);
  });

  it('N05 minCount is the quorum: with fewer members the group waits', () => {
    const ts = makeState({ nodes: nodes(3), nativeGroups: served(group('trio', 3)) });
    const a = member('a', 'trio');
    ts.addPod(a);
    ts.addPod(member('b', 'trio'));
    const r = filter(ts, a);
    expect(r.NodeNames).toEqual([]);
    expect(Object.values(r.FailedNodes ?? {})[0]).toMatch(/2 of 3 members exist \(PodGroup trio minCount\)/);
  });

  it('N06 a group that does not fit beside Gangplank\'s reservations does not fit, unresolvably, and holds nothing', async () => {
    const ts = makeState({ nodes: nodes(2), nativeGroups: served(group('duo', 2)) });
    // A driver with one executor holds n2 for it.
    const d = makePod('drv').ns('spark').uid('uid-drv').created('2025-12-31T00:00:00Z').sparkApp('app', 'sel').role('driver').gang('app', 2).annotation('gangplank.io/executor-resources', JSON.stringify({ cpu: '1', memory: '1Gi' })).requests({ cpu: '1', memory: '1Gi' }).obj();
    ts.addPod(d);
    const placed = createFilterVerb(ts.state).handle({ Pod: d, NodeNames: ['n1'] }, log) as ExtenderFilterResult;
    await bindTo(ts, d, placed.NodeNames![0]!);
    const [a, b] = [member('a', 'duo'), member('b', 'duo')];
    ts.addPod(a);
    ts.addPod(b);
    const r = filter(ts, a);
    expect(Object.keys(r.FailedAndUnresolvableNodes ?? {})).toEqual(['n1', 'n2']);
    expect(ts.state.speculative.size()).toBe(0);
  });

  it('N07 without the native API served, spec.schedulingGroup names nothing', () => {
    const ts = makeState({ nodes: nodes(1), nativeGroups: new NativeGroupSource() });
    const a = member('a', 'duo');
    ts.addPod(a);
    expect(filter(ts, a).NodeNames).toEqual(['n1']);
  });

  it('N08 a group whose PodGroup does not exist waits; a basic (not gang) policy places each pod on its own', () => {
    const ts = makeState({ nodes: nodes(1), nativeGroups: served(group('loose')) });
    const a = member('a', 'missing');
    ts.addPod(a);
    expect(Object.values(filter(ts, a).FailedNodes ?? {})[0]).toMatch(/PodGroup missing \(scheduling.k8s.io\) not found/);
    const b = member('b', 'loose');
    ts.addPod(b);
    expect(filter(ts, b).NodeNames).toEqual(['n1']);
    expect(ts.state.speculative.size()).toBe(0);
  });
});
