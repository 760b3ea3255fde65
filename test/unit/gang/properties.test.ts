// fast-check properties of the gang scheduler over random clusters and gangs,
// driving the verbs' pure functions as kube-scheduler would: filter, then
// prioritize, then bind the best node; Spark executors appear only after
// their driver is bound.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bind } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { prioritize } from '../../../src/extender/verbs/prioritize.js';
import { podUsage } from '../../../src/gang/capacity.js';
import type { ExtenderFilterResult } from '../../../src/k8s/wire.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';
import { makeState, type TestState } from '../../support/extender.js';

const log = pino({ level: 'silent' });

const nodeArb = fc.record({ cpu: fc.integer({ min: 1, max: 8 }), memGi: fc.integer({ min: 2, max: 16 }), gpusPerZone: fc.integer({ min: 0, max: 2 }) });

const gangArb = fc.oneof(
  fc.record({ kind: fc.constant('driver' as const), n: fc.integer({ min: 0, max: 5 }), execMilli: fc.constantFrom(500, 1000, 2000), gpu: fc.integer({ min: 0, max: 1 }), numa: fc.boolean() }),
  fc.record({ kind: fc.constant('co' as const), members: fc.integer({ min: 2, max: 4 }), milli: fc.constantFrom(500, 1000, 1500), extraMembers: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('plain' as const), milli: fc.constantFrom(250, 1000, 3000) }),
);

type GangSpec = typeof gangArb extends fc.Arbitrary<infer T> ? T : never;

function buildNodes(specs: { cpu: number; memGi: number; gpusPerZone: number }[]): V1Node[] {
  return specs.map((s, i) => {
    const b = makeNode(`n${i}`).cpu(String(s.cpu)).memory(`${s.memGi}Gi`).pods(20);
    if (s.gpusPerZone > 0) {
      b.gpu(2 * s.gpusPerZone).numaZones([0, 1].map((z) => ({ name: `node-${z}`, resources: { cpu: String(s.cpu / 2), memory: `${s.memGi / 2}Gi`, 'nvidia.com/gpu': String(s.gpusPerZone) } })));
    }
    return b.obj();
  });
}

interface Sim {
  ts: TestState;
  pending: V1Pod[];
  /** Executors to create once their driver is bound. */
  executorsOf: Map<string, V1Pod[]>;
  gangs: { key: string; kind: 'driver' | 'co'; size: number }[];
}

function buildSim(nodes: V1Node[], gangs: GangSpec[]): Sim {
  const ts = makeState({ nodes });
  const pending: V1Pod[] = [];
  const executorsOf = new Map<string, V1Pod[]>();
  const out: Sim['gangs'] = [];
  gangs.forEach((g, i) => {
    const created = new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000).toISOString();
    if (g.kind === 'driver') {
      const shape: Record<string, string> = { cpu: `${g.execMilli}m`, memory: '1Gi' };
      if (g.gpu) shape['nvidia.com/gpu'] = '1';
      const d = makePod(`d${i}`).ns('s').uid(`d${i}`).created(created).sparkApp(`app${i}`, `sel${i}`).role('driver').annotation('gangplank.io/executor-count', String(g.n)).annotation('gangplank.io/executor-resources', JSON.stringify(shape)).requests({ cpu: '500m', memory: '1Gi' });
      if (g.numa) d.annotation('numa.scheduling.kubenexus.io/policy', 'single-numa');
      pending.push(d.obj());
      const execs: V1Pod[] = [];
      for (let e = 0; e < g.n; e++) {
        const x = makePod(`d${i}-e${e}`).ns('s').uid(`d${i}-e${e}`).sparkApp(`app${i}`, `sel${i}`).role('executor').executorOf(`d${i}`, `d${i}`, e).requests({ cpu: `${g.execMilli}m`, memory: '1Gi' });
        if (g.gpu) x.gpu(1);
        if (g.numa) x.annotation('numa.scheduling.kubenexus.io/policy', 'single-numa');
        execs.push(x.obj());
      }
      executorsOf.set(`d${i}`, execs);
      out.push({ key: `s/sel${i}`, kind: 'driver', size: g.n + 1 });
    } else if (g.kind === 'co') {
      const total = g.members + g.extraMembers;
      for (let m = 0; m < total; m++) pending.push(makePod(`c${i}-${m}`).ns('s').uid(`c${i}-${m}`).created(created).gang(`co${i}`, g.members).cpu(`${g.milli}m`).obj());
      out.push({ key: `s/co${i}`, kind: 'co', size: g.members });
    } else {
      pending.push(makePod(`p${i}`).ns('s').uid(`p${i}`).created(created).cpu(`${g.milli}m`).obj());
    }
  });
  for (const p of pending) ts.addPod(p);
  return { ts, pending, executorsOf, gangs: out };
}

function names(ts: TestState): string[] {
  return ts.nodes.list().map((n) => n.metadata!.name!);
}

/** One scheduling attempt for `pod`: filter, prioritize, bind the best node. True when bound. */
async function attempt(sim: Sim, pod: V1Pod): Promise<boolean> {
  const { ts } = sim;
  const r = createFilterVerb(ts.state).handle({ Pod: pod, NodeNames: names(ts) }, log) as ExtenderFilterResult;
  const ok = r.NodeNames ?? [];
  if (ok.length === 0) return false;
  const scores = prioritize(ts.state, pod, ok);
  const best = [...scores].sort((a, b) => b.Score - a.Score || (a.Host < b.Host ? -1 : 1))[0]!.Host;
  await bind(ts.state, { PodName: pod.metadata!.name!, PodNamespace: 's', PodUID: pod.metadata!.uid!, Node: best });
  ts.markBound(pod, best, ts.binder.bindings.at(-1)!.annotations);
  const execs = sim.executorsOf.get(pod.metadata!.uid!);
  if (execs) {
    for (const e of execs) ts.addPod(e);
    sim.pending.push(...execs);
    sim.executorsOf.delete(pod.metadata!.uid!);
  }
  return true;
}

function boundCount(ts: TestState, key: string): number {
  return ts.state.index.gangMembers(key).filter((f) => f.node).length;
}

/** Invariant: per node, bound pods + unconsumed reservations ≤ allocatable; the index agrees with a recount. */
function checkCapacity(ts: TestState): void {
  for (const n of ts.nodes.list()) {
    const name = n.metadata!.name!;
    const alloc = ts.state.index.node(name)!.allocatable;
    const recount: Record<string, number> = {};
    for (const p of ts.pods.list()) {
      if (p.spec?.nodeName !== name) continue;
      for (const [k, v] of Object.entries(podUsage(p))) recount[k] = (recount[k] ?? 0) + v;
    }
    const used = ts.state.index.usedOn(name);
    const reserved = ts.state.ledger.reservedOn(name);
    for (const r of new Set([...Object.keys(recount), ...Object.keys(reserved)])) {
      expect(used[r] ?? 0).toBe(recount[r] ?? 0);
      expect(reserved[r] ?? 0).toBeGreaterThanOrEqual(0);
      expect((recount[r] ?? 0) + (reserved[r] ?? 0)).toBeLessThanOrEqual(alloc[r] ?? 0);
    }
  }
}

/** Invariant: a gang with any member bound has room held for every member not yet bound. */
function checkNoPartialGang(sim: Sim): void {
  for (const g of sim.gangs) {
    const bound = boundCount(sim.ts, g.key);
    if (bound === 0) continue;
    const plan = sim.ts.state.ledger.get(g.key);
    expect(plan, `gang ${g.key} has ${bound} members bound but no plan`).toBeDefined();
    const open = plan!.slots.filter((s) => !s.consumedBy).length;
    expect(bound + open).toBeGreaterThanOrEqual(g.size);
  }
}

describe('gang scheduler properties', () => {
  it('filtered nodes ⊆ input (NodeNames and Nodes forms), failures only name input nodes', () => {
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 6 }), fc.array(gangArb, { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (nodeSpecs, gangs, mask) => {
        const nodes = buildNodes(nodeSpecs);
        const sim = buildSim(nodes, gangs);
        const input = [...names(sim.ts).filter((_, i) => mask[i]), 'ghost-node'];
        const verb = createFilterVerb(sim.ts.state);
        for (const pod of sim.pending) {
          const byName = verb.handle({ Pod: pod, NodeNames: input }, log) as ExtenderFilterResult;
          for (const n of byName.NodeNames ?? []) expect(input).toContain(n);
          for (const n of Object.keys({ ...byName.FailedNodes, ...byName.FailedAndUnresolvableNodes })) expect(input).toContain(n);
          const items = nodes.filter((n) => input.includes(n.metadata!.name!));
          const byNodes = verb.handle({ Pod: pod, Nodes: { items } }, log) as ExtenderFilterResult;
          for (const n of byNodes.Nodes?.items ?? []) expect(items).toContain(n);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('no gang is ever partly placed, and reservations never exceed node capacity', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(nodeArb, { minLength: 1, maxLength: 5 }), fc.array(gangArb, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), async (nodeSpecs, gangs, picks) => {
        const sim = buildSim(buildNodes(nodeSpecs), gangs);
        // Random order first, then sweeps until nothing more binds.
        let step = 0;
        for (const pick of picks) {
          if (sim.pending.length === 0) break;
          const pod = sim.pending[pick % sim.pending.length]!;
          if (await attempt(sim, pod)) sim.pending.splice(sim.pending.indexOf(pod), 1);
          checkCapacity(sim.ts);
          checkNoPartialGang(sim);
          step++;
        }
        for (let progress = true; progress; ) {
          progress = false;
          for (const pod of [...sim.pending]) {
            if (await attempt(sim, pod)) {
              sim.pending.splice(sim.pending.indexOf(pod), 1);
              progress = true;
            }
            checkCapacity(sim.ts);
            checkNoPartialGang(sim);
          }
        }
        // At quiescence every gang is whole (extra co-created members may add to it) or absent.
        for (const g of sim.gangs) {
          const bound = boundCount(sim.ts, g.key);
          expect(bound === 0 || bound >= g.size, `gang ${g.key}: ${bound} of ${g.size} bound after ${step} steps`).toBe(true);
        }
      }),
      { numRuns: 80 },
    );
  });
});
