// Filter → bind sequences over the whole domain (admit, planner, ledger,
// capacity index) through the verbs' pure functions.
import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bind } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { prioritize } from '../../../src/extender/verbs/prioritize.js';
import { GANG_RECORD } from '../../../src/contract/keys.js';
import type { ExtenderFilterResult } from '../../../src/k8s/wire.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';
import { makeState, T0, type TestState } from '../../support/extender.js';

const log = pino({ level: 'silent' });

function filter(ts: TestState, pod: V1Pod, names?: string[]): ExtenderFilterResult {
  return createFilterVerb(ts.state).handle({ Pod: pod, NodeNames: names ?? ts.nodes.list().map((n) => n.metadata!.name!) }, log) as ExtenderFilterResult;
}

/** Bind as the scheduler would, then show the bound pod in the cache as the API server would. */
async function bindTo(ts: TestState, pod: V1Pod, node: string): Promise<V1Pod> {
  await bind(ts.state, { PodName: pod.metadata!.name!, PodNamespace: pod.metadata!.namespace!, PodUID: pod.metadata!.uid!, Node: node });
  const b = ts.binder.bindings.at(-1)!;
  return ts.markBound(pod, node, b.annotations);
}

const EXEC = JSON.stringify({ cpu: '1', memory: '1408Mi' });

function driver(name = 'pi-driver', n = 3, created = '2026-01-01T00:00:00Z') {
  return makePod(name)
    .ns('spark')
    .uid(`uid-${name}`)
    .created(created)
    .sparkApp('spark-pi', `sel-${name}`)
    .role('driver')
    .gang(`gang-${name}`, n + 1)
    .annotation('gangplank.io/executor-resources', EXEC)
    .requests({ cpu: '1', memory: '1408Mi' });
}

function executor(d: string, i: number, req = { cpu: '1', memory: '1408Mi' }) {
  return makePod(`${d}-exec-${i}`).ns('spark').uid(`uid-${d}-exec-${i}`).sparkApp('spark-pi', `sel-${d}`).role('executor').executorOf(d, `uid-${d}`, i).requests(req);
}

const twoNodes = () => [makeNode('n1').cpu('2').memory('8Gi').obj(), makeNode('n2').cpu('2').memory('8Gi').obj()];

describe('driver-led gang', () => {
  it('S01 driver passes on exactly one node when driver + 3 executors fit, and executors land on their slots', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const d = driver().obj();
    ts.addPod(d);
    const r = filter(ts, d);
    expect(r.NodeNames).toHaveLength(1);
    expect(r.FailedAndUnresolvableNodes).toBeUndefined();
    const gang = ts.state.ledger.get('spark/gang-pi-driver')!;
    expect(gang.slots.filter((s) => s.role === 'executor')).toHaveLength(3);
    await bindTo(ts, d, r.NodeNames![0]!);
    // One write: the plan rides on the driver's Binding.
    expect(ts.binder.calls).toEqual([`bind spark/pi-driver ${r.NodeNames![0]} +plan`]);
    expect(ts.binder.records.map((rec) => rec.anchor.name)).toEqual(['pi-driver']);
    expect(ts.binder.records[0]!.slots).toHaveLength(4);
    const used = new Map<string, number>();
    for (let i = 1; i <= 3; i++) {
      const e = executor('pi-driver', i).obj();
      ts.addPod(e);
      const fr = filter(ts, e);
      expect(fr.NodeNames).toHaveLength(1);
      const node = fr.NodeNames![0]!;
      expect(prioritize(ts.state, e, ['n1', 'n2']).find((p) => p.Host === node)!.Score).toBe(10);
      await bindTo(ts, e, node);
      used.set(node, (used.get(node) ?? 0) + 1);
      expect(ts.binder.bindings.at(-1)!.annotations['gangplank.io/slot']).toMatch(/^e\d$/);
    }
    expect(ts.state.ledger.get('spark/gang-pi-driver')!.state).toBe('filled');
    expect(ts.state.ledger.reservedOn('n1').cpu ?? 0).toBe(0);
    expect(ts.state.ledger.reservedOn('n2').cpu ?? 0).toBe(0);
    expect([...used.values()].sort()).toEqual([1, 2]);
  });

  it('S02 a cluster too small: FailedAndUnresolvableNodes with a counting message, nothing reserved', () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('2').memory('8Gi').obj(), makeNode('n2').cpu('1').memory('8Gi').obj()] });
    const d = driver().obj();
    ts.addPod(d);
    const r = filter(ts, d);
    expect(r.NodeNames).toEqual([]);
    expect(Object.keys(r.FailedAndUnresolvableNodes ?? {}).sort()).toEqual(['n1', 'n2']);
    expect(r.FailedAndUnresolvableNodes!.n1).toBe('gang spark/gang-pi-driver: driver + 3 executors need 4 × {cpu 1, memory 1408Mi}; only 2 executors fit (n1: 1, n2: 1) — N from min-available, executor shape from annotation');
    expect(ts.state.ledger.get('spark/gang-pi-driver')).toBeUndefined();
    expect(ts.events.at(-1)?.reason).toBe('GangDoesNotFit');
  });

  it('S03 a pod in no gang cannot take reserved room', () => {
    const ts = makeState({ nodes: twoNodes() });
    const d = driver().obj();
    ts.addPod(d);
    filter(ts, d);
    const plain = makePod('plain').uid('uid-plain').cpu('1').obj();
    ts.addPod(plain);
    const r = filter(ts, plain);
    expect(r.NodeNames).toEqual([]);
    expect(r.FailedNodes!.n1).toMatch(/insufficient cpu/);
  });

  it('S04 an executor beyond N schedules against unreserved room and is marked slot none', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('8').memory('32Gi').obj()] });
    const d = driver('d', 1).obj();
    ts.addPod(d);
    await bindTo(ts, d, filter(ts, d).NodeNames![0]!);
    const e1 = executor('d', 1).obj();
    ts.addPod(e1);
    await bindTo(ts, e1, filter(ts, e1).NodeNames![0]!);
    const e2 = executor('d', 2).obj();
    ts.addPod(e2);
    const r = filter(ts, e2);
    expect(r.NodeNames).toEqual(['n1']);
    await bindTo(ts, e2, 'n1');
    expect(ts.binder.bindings.at(-1)!.annotations).toEqual({ 'gangplank.io/gang': 'spark/gang-d', 'gangplank.io/slot': 'none' });
  });

  it('S05 an executor larger than its reservation and the free room is rejected with both numbers', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('3').memory('8Gi').obj()] });
    const d = driver('d', 2).obj();
    ts.addPod(d);
    await bindTo(ts, d, filter(ts, d).NodeNames![0]!);
    const big = executor('d', 1, { cpu: '2', memory: '1408Mi' }).obj();
    ts.addPod(big);
    const r = filter(ts, big);
    expect(r.NodeNames).toEqual([]);
    expect(r.FailedAndUnresolvableNodes!.n1).toMatch(/needs \{cpu 2, memory 1408Mi\}, reservation \{cpu 1, memory 1408Mi\}/);
  });

  it('S06 an executor slightly larger than its slot fits using unreserved room on that node', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('8Gi').obj()] });
    const d = driver('d', 1).obj();
    ts.addPod(d);
    await bindTo(ts, d, filter(ts, d).NodeNames![0]!);
    const e = executor('d', 1, { cpu: '2', memory: '1408Mi' }).obj();
    ts.addPod(e);
    expect(filter(ts, e).NodeNames).toEqual(['n1']);
  });

  it('S07 the seed manifest (min-available 1+N on driver and executors, kubenexus-scheduler) works without the webhook', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const seedDriver = makePod('spark-pi-driver').ns('spark').uid('uid-sd').scheduler('kubenexus-scheduler').role('driver').gang('spark-pi', 4).requests({ cpu: '1', memory: '1408Mi' }).obj();
    ts.addPod(seedDriver);
    const r = filter(ts, seedDriver);
    expect(r.NodeNames).toHaveLength(1);
    // N = min-available − 1; shape from defaults (1 core, 1g + 384Mi).
    const g = ts.state.ledger.get('spark/spark-pi')!;
    expect(g.slots.filter((s) => s.role === 'executor').map((s) => s.requests.memory)).toEqual([1408 * 2 ** 20, 1408 * 2 ** 20, 1408 * 2 ** 20]);
    await bindTo(ts, seedDriver, r.NodeNames![0]!);
    const e = makePod('spark-pi-exec-1').ns('spark').uid('uid-se1').scheduler('kubenexus-scheduler').role('executor').gang('spark-pi', 4).requests({ cpu: '1', memory: '1408Mi' }).obj();
    ts.addPod(e);
    expect(filter(ts, e).NodeNames).toHaveLength(1);
  });

  it('S08 waits briefly for spark.properties, then uses defaults', () => {
    const ts = makeState({ nodes: twoNodes() });
    (ts.state as unknown as { configMaps: unknown }).configMaps = { get: () => undefined, list: () => [] };
    const d = makePod('d').ns('spark').uid('uid-d').created(new Date(T0).toISOString()).role('driver').gang('g', 2).cpu('1').obj();
    d.spec!.volumes = [{ name: 'spark-conf-volume-driver', configMap: { name: 'spark-drv-abc-conf-map' } }];
    ts.addPod(d);
    const r = filter(ts, d);
    expect(r.NodeNames).toEqual([]);
    expect(r.FailedNodes!.n1).toMatch(/waiting for the driver's spark.properties/);
    ts.clock.now += 6_000;
    expect(filter(ts, d).NodeNames).toHaveLength(1);
  });

  it('S09 reads the executor shape from spark.properties in the driver ConfigMap', () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('16').memory('64Gi').obj()] });
    const props = 'spark.executor.memory=4g\nspark.executor.cores=2\nspark.executor.instances=2\n';
    (ts.state as unknown as { configMaps: unknown }).configMaps = { get: () => ({ data: { 'spark.properties': props } }), list: () => [] };
    const d = makePod('d').ns('spark').uid('uid-d').role('driver').annotation('gangplank.io/executor-count', '2').cpu('1').obj();
    d.spec!.volumes = [{ name: 'v', configMap: { name: 'spark-drv-abc-conf-map' } }];
    ts.addPod(d);
    filter(ts, d);
    const slots = [...ts.state.ledger.gangs()][0]!.slots.filter((s) => s.role === 'executor');
    expect(slots.map((s) => [s.requests.cpu, s.requests.memory])).toEqual([
      [2000, (4096 + 409) * 2 ** 20],
      [2000, (4096 + 409) * 2 ** 20],
    ]);
  });

  it('S10 an unfilled reservation is released after its time-out', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const d = driver().annotation('gangplank.io/timeout-seconds', '60').obj();
    ts.addPod(d);
    await bindTo(ts, d, filter(ts, d).NodeNames![0]!);
    ts.clock.now += 59_000;
    expect(ts.state.tick(true)).toEqual([]);
    ts.clock.now += 2_000;
    const released = ts.state.tick(true);
    expect(released.map((r) => [r.reason, r.slots])).toEqual([['timeout', 3]]);
    expect(ts.state.ledger.reservedOn('n1').cpu ?? 0).toBe(0);
    expect(ts.state.ledger.reservedOn('n2').cpu ?? 0).toBe(0);
    expect(ts.events.at(-1)?.reason).toBe('GangTimedOut');
  });

  it('S11 deleting the driver releases its reservations', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const d = driver().obj();
    ts.addPod(d);
    const bound = await bindTo(ts, d, filter(ts, d).NodeNames![0]!);
    ts.deletePod(bound);
    expect(ts.state.ledger.get('spark/gang-pi-driver')).toBeUndefined();
    expect(ts.state.ledger.reservedTotal().cpu).toBe(0);
  });

  it('S12 a failed driver Binding releases the plan it carried; an executor binding before its driver patches the plan first, and a failed patch binds nothing', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const d = driver().obj();
    ts.addPod(d);
    const node = filter(ts, d).NodeNames![0]!;
    ts.binder.failBind = true;
    await expect(bind(ts.state, { PodName: 'pi-driver', PodNamespace: 'spark', PodUID: 'uid-pi-driver', Node: node })).rejects.toThrow(/binding refused/);
    expect(ts.state.ledger.get('spark/gang-pi-driver')).toBeUndefined();
    expect(ts.state.persisting.size).toBe(0);
    ts.binder.failBind = false;
    // Planned again; an executor (created early) binds before the driver: the plan is patched onto the driver first.
    filter(ts, d);
    const e1 = executor('pi-driver', 1).obj();
    ts.addPod(e1);
    const en = filter(ts, e1).NodeNames![0]!;
    ts.binder.failPersist = true;
    await expect(bind(ts.state, { PodName: e1.metadata!.name!, PodNamespace: 'spark', PodUID: e1.metadata!.uid!, Node: en })).rejects.toThrow(/persist/);
    expect(ts.binder.bindings).toHaveLength(0);
    expect(ts.state.ledger.get('spark/gang-pi-driver')).toBeUndefined();
    ts.binder.failPersist = false;
    ts.binder.calls.length = 0;
    const dn = filter(ts, d).NodeNames![0]!;
    const en2 = filter(ts, e1).NodeNames![0]!;
    await bindTo(ts, e1, en2);
    await bindTo(ts, d, dn);
    // The patch wrote the plan once; the driver's Binding does not carry it again.
    expect(ts.binder.planWrites()).toEqual(['persist spark/gang-pi-driver']);
    expect(ts.binder.bindings.map((b) => [b.name, b.annotations['gangplank.io/gang-record'] !== undefined])).toEqual([
      ['pi-driver-exec-1', false],
      ['pi-driver', false],
    ]);
  });

  it('S13 a bind to a node other than the plan is refused', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const d = driver().obj();
    ts.addPod(d);
    const node = filter(ts, d).NodeNames![0]!;
    const other = node === 'n1' ? 'n2' : 'n1';
    await expect(bind(ts.state, { PodName: 'pi-driver', PodNamespace: 'spark', PodUID: 'uid-pi-driver', Node: other })).rejects.toThrow(/slot driver is on/);
    expect(ts.binder.bindings).toHaveLength(0);
  });

  it('S14 restart between driver bind and executors: restored slots are not double-booked', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const d = driver().obj();
    ts.addPod(d);
    const boundDriver = await bindTo(ts, d, filter(ts, d).NodeNames![0]!);
    const e1 = executor('pi-driver', 1).obj();
    ts.addPod(e1);
    const boundE1 = await bindTo(ts, e1, filter(ts, e1).NodeNames![0]!);
    // The lead stored the record on the anchor; a new extender starts from the API's pods.
    const anchor = structuredClone(boundDriver);
    anchor.metadata!.annotations![GANG_RECORD] = JSON.stringify(ts.binder.records[0]);
    const ts2 = makeState({ nodes: twoNodes(), pods: [anchor, boundE1] });
    const { restored, errors } = ts2.state.restore();
    expect(errors).toEqual([]);
    expect(restored).toEqual(['spark/gang-pi-driver']);
    const g = ts2.state.ledger.get('spark/gang-pi-driver')!;
    expect(g.slots.filter((s) => s.consumedBy).map((s) => s.id).sort()).toEqual(['driver', ts.binder.bindings[1]!.annotations['gangplank.io/slot']].sort());
    const nodes: string[] = [];
    for (const i of [2, 3]) {
      const e = executor('pi-driver', i).obj();
      ts2.addPod(e);
      const n = filter(ts2, e).NodeNames![0]!;
      nodes.push(n);
      await bindTo(ts2, e, n);
    }
    expect(ts2.state.ledger.get('spark/gang-pi-driver')!.state).toBe('filled');
    // Every node holds what it can: 2 cpu each, 4 pods of 1 cpu.
    const perNode = new Map<string, number>();
    for (const p of ts2.pods.list()) if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([2, 2]);
  });

  it('S15 caches not synced: every node fails closed with the reason', () => {
    const ts = makeState({ nodes: twoNodes(), synced: false });
    const r = filter(ts, makePod('p').uid('u').cpu('1').obj());
    expect(r.NodeNames).toEqual([]);
    expect(r.FailedNodes!.n1).toMatch(/not synced/);
  });

  it('S16 stale caches fail closed', () => {
    const ts = makeState({ nodes: twoNodes() });
    (ts.pods as unknown as { lastHeardAt: () => number }).lastHeardAt = () => T0 - 600_000;
    const r = filter(ts, makePod('p').uid('u').cpu('1').obj());
    expect(r.FailedNodes!.n2).toMatch(/stale/);
  });
});

describe('NUMA-aware gangs', () => {
  const gpuNode = (name: string, perZone: number) =>
    makeNode(name)
      .cpu('16')
      .memory('64Gi')
      .gpu(2 * perZone)
      .numaZones([0, 1].map((z) => ({ name: `node-${z}`, resources: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': String(perZone) } })))
      .obj();
  const gpuDriver = (n: number, gpus: number) =>
    makePod('ml-driver')
      .ns('ml')
      .uid('uid-ml')
      .sparkApp('ml', 'sel-ml')
      .role('driver')
      .gang('ml', n + 1)
      .annotation('numa.scheduling.kubenexus.io/policy', 'single-numa')
      .annotation('gangplank.io/executor-resources', JSON.stringify({ cpu: '4', memory: '16Gi', 'nvidia.com/gpu': String(gpus) }))
      .requests({ cpu: '1', memory: '4Gi' })
      .obj();
  const gpuExec = (i: number, gpus: number) =>
    makePod(`ml-exec-${i}`).ns('ml').uid(`uid-ml-exec-${i}`).sparkApp('ml', 'sel-ml').role('executor').executorOf('ml-driver', 'uid-ml', i).annotation('numa.scheduling.kubenexus.io/policy', 'single-numa').requests({ cpu: '4', memory: '16Gi' }).gpu(gpus).obj();

  it('S17 executor slots are planned per zone and recorded as gangplank.io/numa-zone at bind', async () => {
    const ts = makeState({ nodes: [gpuNode('g1', 2)] });
    const d = gpuDriver(3, 1);
    ts.addPod(d);
    expect(filter(ts, d).NodeNames).toEqual(['g1']);
    const zones = ts.state.ledger.get('ml/ml')!.slots.filter((s) => s.role === 'executor').map((s) => s.zone);
    // The driver (cpu 1 under single-numa) takes node-0, leaving room for one 4-cpu executor there.
    expect(ts.state.ledger.get('ml/ml')!.slots[0]!.zone).toBe('node-0');
    expect(zones.sort()).toEqual(['node-0', 'node-1', 'node-1']);
    await bindTo(ts, d, 'g1');
    const bound: string[] = [];
    for (const i of [1, 2, 3]) {
      const e = gpuExec(i, 1);
      ts.addPod(e);
      expect(filter(ts, e).NodeNames).toEqual(['g1']);
      await bindTo(ts, e, 'g1');
      bound.push(ts.binder.bindings.at(-1)!.annotations['gangplank.io/numa-zone']!);
    }
    expect(bound.sort()).toEqual(['node-0', 'node-1', 'node-1']);
  });

  it('S18 GPUs split across zones are not placement: 2-GPU executors on 1-GPU zones do not fit', () => {
    const ts = makeState({ nodes: [gpuNode('g1', 1), gpuNode('g2', 1)] });
    const d = gpuDriver(1, 2);
    ts.addPod(d);
    const r = filter(ts, d);
    expect(r.FailedAndUnresolvableNodes!.g1).toMatch(/driver \{cpu 1, memory 4Gi\} \+ 1 executor × \{cpu 4, memory 16Gi, nvidia.com\/gpu 2\}; only 0 executors fit/);
  });

  it('S19 a single-numa driver on a node without topology fails closed with the reason', () => {
    const ts = makeState({ nodes: [makeNode('plain').cpu('16').memory('64Gi').gpu(4).obj()] });
    const d = gpuDriver(1, 1);
    ts.addPod(d);
    expect(filter(ts, d).FailedAndUnresolvableNodes!.plain).toMatch(/driver fits on none of 1 candidate node \(no NUMA topology/);
  });
});

describe('co-created gang', () => {
  const member = (i: number, cpu = '1') => makePod(`w-${i}`).ns('jobs').uid(`uid-w-${i}`).created(`2026-01-01T00:00:0${i}Z`).gang('train', 4).cpu(cpu).obj();

  it('C01 no member passes until min-available exist', () => {
    const ts = makeState({ nodes: twoNodes() });
    for (const i of [1, 2, 3]) ts.addPod(member(i));
    const r = filter(ts, member(1));
    expect(r.NodeNames).toEqual([]);
    expect(r.FailedNodes!.n1).toBe('gang jobs/train: 3 of 4 members exist; waiting for 1 more');
  });

  it('C02 a gang of 4 where only 3 fit: none passes', () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('2').obj(), makeNode('n2').cpu('1').obj()] });
    for (const i of [1, 2, 3, 4]) ts.addPod(member(i));
    for (const i of [1, 2, 3, 4]) {
      const r = filter(ts, member(i));
      expect(r.NodeNames).toEqual([]);
      expect(r.FailedAndUnresolvableNodes!.n1).toMatch(/4 members need 4 × \{cpu 1\}; only 3 fit \(n1: 2, n2: 1\)/);
    }
  });

  it('C03 a gang that fits pins each member; the first to bind carries the plan on its Binding and becomes the anchor', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const pods = [1, 2, 3, 4].map((i) => member(i));
    for (const p of pods) ts.addPod(p);
    const nodes = new Map(pods.map((p) => [p.metadata!.name!, filter(ts, p).NodeNames![0]!]));
    for (const i of [3, 1, 2, 4]) {
      const p = pods[i - 1]!;
      await bindTo(ts, p, nodes.get(p.metadata!.name!)!);
    }
    expect(ts.binder.planWrites()).toEqual([`bind jobs/w-3 ${nodes.get('w-3')} +plan`]);
    expect(ts.binder.records[0]!.anchor).toEqual({ name: 'w-3', uid: 'uid-w-3' });
    expect(ts.state.ledger.get('jobs/train')!.state).toBe('filled');
    // A restarted extender believes the record on the pod that carries it.
    const ts2 = makeState({ nodes: twoNodes(), pods: ts.pods.list().map((p) => structuredClone(p)) });
    expect(ts2.state.restore()).toEqual({ restored: ['jobs/train'], errors: [] });
    expect(ts2.state.ledger.get('jobs/train')!.state).toBe('filled');
    // A standby replica follows it from the watch: the anchor arrives bound and with its record in one update.
    const ts3 = makeState({ nodes: twoNodes() });
    const bound = new Map(ts.pods.list().map((p) => [p.metadata!.name!, structuredClone(p)]));
    ts3.addPod(bound.get('w-3')!);
    expect(ts3.state.ledger.get('jobs/train')!.slots.filter((x) => x.consumedBy).map((x) => x.consumedBy)).toEqual(['uid-w-3']);
    for (const n of ['w-1', 'w-2', 'w-4']) ts3.addPod(bound.get(n)!);
    expect(ts3.state.ledger.get('jobs/train')!.state).toBe('filled');
  });

  it('C04 members whose binds arrive while the plan is being written wait for that one write, then bind', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const pods = [1, 2, 3, 4].map((i) => member(i));
    for (const p of pods) ts.addPod(p);
    const nodes = pods.map((p) => filter(ts, p).NodeNames![0]!);
    // The API server answers the first Binding only after every member's bind has arrived.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const realBind = ts.binder.bind.bind(ts.binder);
    ts.binder.bind = async (...a) => {
      await gate;
      return realBind(...a);
    };
    const binds = pods.map((p, i) => bind(ts.state, { PodName: p.metadata!.name!, PodNamespace: 'jobs', PodUID: p.metadata!.uid!, Node: nodes[i]! }));
    await new Promise((r) => setImmediate(r));
    // Nothing is bound while the plan's write is in flight.
    expect(ts.binder.bindings).toEqual([]);
    release();
    expect(await Promise.all(binds)).toEqual(['binding', undefined, undefined, undefined]);
    expect(ts.binder.planWrites()).toEqual([`bind jobs/w-1 ${nodes[0]} +plan`]);
    expect(ts.binder.calls[0]).toMatch(/\+plan$/);
    expect(ts.binder.bindings.map((b) => b.name).sort()).toEqual(['w-1', 'w-2', 'w-3', 'w-4']);
    expect(ts.state.ledger.get('jobs/train')!.state).toBe('filled');
  });

  it('C05 when the Binding carrying the plan fails, every member waiting on it fails and nothing is bound', async () => {
    const ts = makeState({ nodes: twoNodes() });
    const pods = [1, 2, 3, 4].map((i) => member(i));
    for (const p of pods) ts.addPod(p);
    const nodes = pods.map((p) => filter(ts, p).NodeNames![0]!);
    const realBind = ts.binder.bind.bind(ts.binder);
    ts.binder.bind = async (ns, name, uid, node, annotations) => {
      if (annotations[GANG_RECORD] !== undefined) throw new Error('binding refused');
      return realBind(ns, name, uid, node, annotations);
    };
    const results = await Promise.allSettled(pods.map((p, i) => bind(ts.state, { PodName: p.metadata!.name!, PodNamespace: 'jobs', PodUID: p.metadata!.uid!, Node: nodes[i]! })));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(ts.binder.bindings).toEqual([]);
    expect(ts.state.ledger.get('jobs/train')).toBeUndefined();
    expect(ts.state.persisting.size).toBe(0);
  });
});

describe('fairness', () => {
  it('F01 a younger gang waits while an older waiting gang that now fits is first in line', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('16Gi').obj()] });
    const blocker = makePod('blocker').uid('uid-blocker').cpu('3').obj();
    ts.addPod(ts.markBound(blocker, 'n1'));
    const older = driver('old', 2, '2026-01-01T00:00:00Z').obj();
    ts.addPod(older);
    expect(filter(ts, older).FailedAndUnresolvableNodes).toBeDefined();
    ts.deletePod(blocker);
    const younger = driver('young', 2, '2026-01-01T00:05:00Z').obj();
    ts.addPod(younger);
    const ry = filter(ts, younger);
    expect(ry.NodeNames).toEqual([]);
    expect(ry.FailedNodes!.n1).toMatch(/older gangs are first in line \(spark\/gang-old\)/);
    expect(filter(ts, older).NodeNames).toEqual(['n1']);
  });
});

describe('executor placement constraints', () => {
  it('S20 never reserves executor slots on the driver node when the executors may not go there', () => {
    const nodes = [
      makeNode('drv').cpu('4').memory('16Gi').label('pool', 'driver').obj(),
      makeNode('ex1').cpu('2').memory('8Gi').label('pool', 'exec').obj(),
      makeNode('ex2').cpu('2').memory('8Gi').label('pool', 'exec').obj(),
    ];
    const ts = makeState({ nodes });
    const d = driver()
      .nodeSelector({ pool: 'driver' })
      .annotation('gangplank.io/executor-constraints', JSON.stringify({ nodeSelector: { pool: 'exec' }, tolerations: [] }))
      .obj();
    ts.addPod(d);
    // The in-tree NodeAffinity filter leaves only the driver pool for the driver.
    const r = filter(ts, d, ['drv']);
    expect(r.NodeNames).toEqual(['drv']);
    const slots = ts.state.ledger.get('spark/gang-pi-driver')!.slots.filter((s) => s.role === 'executor');
    expect(slots.map((s) => s.node).sort()).toEqual(['ex1', 'ex1', 'ex2']);
  });
});
