// Gang-aware preemption (issue 10, item 5; src/gang/preempt.ts): the whole
// gang or none, never for nothing past a reservation; through the verb as
// kube-scheduler calls it (NodeNameToMetaVictims by uid).
import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bind } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { createPreemptVerb } from '../../../src/extender/verbs/preempt.js';
import type { ExtenderFilterResult, ExtenderPreemptionResult } from '../../../src/k8s/wire.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';
import { makeState, type TestState } from '../../support/extender.js';

const log = pino({ level: 'silent' });

function withPriority(p: V1Pod, priority: number): V1Pod {
  p.spec = { ...(p.spec ?? { containers: [] }), priority };
  return p;
}

/** Filter as kube-scheduler would, on `names` (default: every node). */
function filter(ts: TestState, pod: V1Pod, names = ts.nodes.list().map((n) => n.metadata!.name!)): string[] {
  return (createFilterVerb(ts.state).handle({ Pod: pod, NodeNames: names }, log) as ExtenderFilterResult).NodeNames ?? [];
}

async function bindTo(ts: TestState, pod: V1Pod, node: string): Promise<V1Pod> {
  await bind(ts.state, { PodName: pod.metadata!.name!, PodNamespace: pod.metadata!.namespace!, PodUID: pod.metadata!.uid!, Node: node });
  return ts.markBound(pod, node, ts.binder.bindings.at(-1)?.annotations ?? {});
}

function preempt(ts: TestState, pod: V1Pod, victims: Record<string, V1Pod[]>): ExtenderPreemptionResult {
  const args = { Pod: pod, NodeNameToMetaVictims: Object.fromEntries(Object.entries(victims).map(([n, ps]) => [n, { Pods: ps.map((p) => ({ UID: p.metadata!.uid! })), NumPDBViolations: 0 }])) };
  return createPreemptVerb(ts.state).handle(args, log) as ExtenderPreemptionResult;
}

const uidsOn = (r: ExtenderPreemptionResult, node: string): string[] | undefined => r.NodeNameToMetaVictims[node]?.Pods?.map((p) => p.UID).sort();

const low = (name: string, cpu = '1') => withPriority(makePod(name).ns('batch').uid(`uid-${name}`).scheduler('gangplank-scheduler').requests({ cpu, memory: '1Gi' }).obj(), 0);
const member = (name: string, gang: string, n: number, cpu = '1') =>
  withPriority(makePod(name).ns('batch').uid(`uid-${name}`).created('2026-01-01T00:00:00Z').scheduler('gangplank-scheduler').gang(gang, n).requests({ cpu, memory: '1Gi' }).obj(), 0);
const urgent = (cpu = '2') => withPriority(makePod('urgent').ns('prod').uid('uid-urgent').scheduler('gangplank-scheduler').requests({ cpu, memory: '1Gi' }).obj(), 1000);

/** A co-created gang placed and bound as the scheduler would. */
async function placeGang(ts: TestState, pods: V1Pod[]): Promise<V1Pod[]> {
  for (const p of pods) ts.addPod(p);
  const out: V1Pod[] = [];
  for (const p of pods) out.push(await bindTo(ts, p, filter(ts, p)[0]!));
  return out;
}

describe('preempt verb', () => {
  it('X01 a victim in a gang on one node takes its whole gang: every member there becomes a victim', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('16Gi').obj()] });
    const [a, b] = await placeGang(ts, [member('a', 'pair', 2, '2'), member('b', 'pair', 2, '2')]);
    const r = preempt(ts, urgent(), { n1: [a!] });
    expect(uidsOn(r, 'n1')).toEqual(['uid-a', 'uid-b']);
    expect(b!.spec?.nodeName).toBe('n1');
  });

  it('X02 a gang spread over two nodes cannot go whole from one: the node is refused (nothing is evicted)', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('2').memory('16Gi').obj(), makeNode('n2').cpu('2').memory('16Gi').obj()] });
    const [a, b] = await placeGang(ts, [member('a', 'wide', 2, '2'), member('b', 'wide', 2, '2')]);
    expect(new Set([a!.spec?.nodeName, b!.spec?.nodeName])).toEqual(new Set(['n1', 'n2']));
    const r = preempt(ts, urgent(), { [a!.spec!.nodeName!]: [a!], [b!.spec!.nodeName!]: [b!] });
    expect(r.NodeNameToMetaVictims).toEqual({});
  });

  it('X03 evicting a pod whose room a reservation still holds would be for nothing: the node is refused', async () => {
    // n1: a low pod (1 cpu) and an executor slot (1 cpu) of a driver placed on n2.
    const ts = makeState({ nodes: [makeNode('n1').cpu('2').memory('16Gi').obj(), makeNode('n2').cpu('1').memory('16Gi').obj()] });
    const p = low('p');
    ts.addPod(p);
    const bp = await bindTo(ts, p, 'n1');
    const d = withPriority(
      makePod('drv').ns('spark').uid('uid-drv').created('2026-01-01T00:00:00Z').sparkApp('app', 'sel-drv').role('driver').gang('app', 2).annotation('gangplank.io/executor-resources', JSON.stringify({ cpu: '1', memory: '1Gi' })).requests({ cpu: '1', memory: '1Gi' }).obj(),
      0,
    );
    ts.addPod(d);
    // The in-tree filters left only n2 for the driver; its executor's slot goes to n1.
    expect(filter(ts, d, ['n2'])).toEqual(['n2']);
    await bindTo(ts, d, 'n2');
    expect(ts.state.ledger.reservedOn('n1').cpu).toBe(1000);
    // kube-scheduler alone sees 1 cpu free + 1 from p: enough for 2. Gangplank knows the slot holds 1.
    const r = preempt(ts, urgent('2'), { n1: [bp] });
    expect(r.NodeNameToMetaVictims).toEqual({});
    // A preemptor that fits beside the reservation once p is gone may evict p.
    expect(uidsOn(preempt(ts, urgent('1'), { n1: [bp] }), 'n1')).toEqual(['uid-p']);
  });

  it('X04 a gang member not below the preemptor in priority is never added: the node is refused', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('16Gi').obj()] });
    const a = member('a', 'pair', 2, '2');
    const b = withPriority(member('b', 'pair', 2, '2'), 1000);
    const [ba] = await placeGang(ts, [a, b]);
    expect(preempt(ts, urgent(), { n1: [ba!] }).NodeNameToMetaVictims).toEqual({});
  });

  it('X05 pods in no gang are confirmed as kube-scheduler chose them', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('2').memory('16Gi').obj()] });
    const p = low('p', '2');
    ts.addPod(p);
    const bp = await bindTo(ts, p, 'n1');
    expect(uidsOn(preempt(ts, urgent(), { n1: [bp] }), 'n1')).toEqual(['uid-p']);
  });

  it('X06 a gang member as preemptor gets no victims anywhere', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('2').memory('16Gi').obj()] });
    const p = low('p', '2');
    ts.addPod(p);
    const bp = await bindTo(ts, p, 'n1');
    const g = withPriority(member('g', 'solo', 1, '2'), 1000);
    ts.addPod(g);
    expect(preempt(ts, g, { n1: [bp] }).NodeNameToMetaVictims).toEqual({});
  });

  it('X07 a gang whose members are all on the node but that still holds room elsewhere is not evicted from one node', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('2').memory('16Gi').obj(), makeNode('n2').cpu('4').memory('16Gi').obj()] });
    const d = withPriority(
      makePod('drv').ns('spark').uid('uid-drv').created('2026-01-01T00:00:00Z').sparkApp('app', 'sel-drv').role('driver').gang('app', 2).annotation('gangplank.io/executor-resources', JSON.stringify({ cpu: '2', memory: '1Gi' })).requests({ cpu: '2', memory: '1Gi' }).obj(),
      0,
    );
    ts.addPod(d);
    // The driver on n1 (all n1 holds), its executor's room held on n2.
    expect(filter(ts, d, ['n1'])).toEqual(['n1']);
    const bd = await bindTo(ts, d, 'n1');
    expect(ts.state.ledger.reservedOn('n2').cpu).toBe(2000);
    expect(preempt(ts, urgent(), { n1: [bd] }).NodeNameToMetaVictims).toEqual({});
  });
});

describe('preempt verb body', () => {
  it.each([
    { name: 'X10 not an object', body: [], want: /not a JSON object/ },
    { name: 'X11 no pod', body: { NodeNameToMetaVictims: {} }, want: /Pod is missing/ },
    { name: 'X12 victims not a map', body: { Pod: { metadata: { name: 'p' } }, NodeNameToMetaVictims: [] }, want: /is not a map/ },
    { name: 'X13 pods not a list', body: { Pod: { metadata: { name: 'p' } }, NodeNameToMetaVictims: { n1: { Pods: 'x' } } }, want: /Pods is not a list/ },
  ])('$name is malformed', ({ body, want }) => {
    expect(createPreemptVerb(makeState().state).malformed(body)).toMatch(want);
  });

  it('X14 kube-scheduler\'s own shapes are accepted (null Pods, whole pods when not nodeCacheCapable)', () => {
    const verb = createPreemptVerb(makeState().state);
    expect(verb.malformed({ Pod: { metadata: { name: 'p' } }, NodeNameToMetaVictims: { n1: { Pods: null, NumPDBViolations: 0 } } })).toBeNull();
    expect(verb.malformed({ Pod: { metadata: { name: 'p' } }, NodeNameToVictims: { n1: { Pods: [{ metadata: { uid: 'u' } }], NumPDBViolations: 0 } } })).toBeNull();
  });
});
