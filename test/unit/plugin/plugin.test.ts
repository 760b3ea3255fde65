import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { parsePluginArgs } from '../../../src/plugin/args.js';
import { explainPod } from '../../../src/plugin/explain.js';
import { renderExplain, renderStatus } from '../../../src/plugin/render.js';
import { parseSnapshot, planningState } from '../../../src/plugin/snapshot.js';
import { statusOf } from '../../../src/plugin/status.js';
import { admitted, asCreated, whatIf } from '../../../src/plugin/whatif.js';
import { admit } from '../../../src/gang/admit.js';
import { configSchema } from '../../../src/config/schema.js';
import { makeState, T0, testConfig } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';
import pino from 'pino';

const SCHEDULERS = new Set(['gangplank-scheduler']);
const config = testConfig({ sparkConfigWaitSeconds: 0 });
const fullConfig = { ...configSchema.parse({}), extender: config };

function driver(app: string, executors: number, opts: { cpu?: string; execCpu?: string; created?: string } = {}): V1Pod {
  return makePod(`${app}-driver`)
    .ns('spark')
    .uid(`uid-${app}`)
    .created(opts.created ?? '2025-12-31T23:50:00Z')
    .scheduler('gangplank-scheduler')
    .sparkApp(app, `spark-${app}`)
    .role('driver')
    .requests({ cpu: opts.cpu ?? '1', memory: '1Gi' })
    .annotations({ 'gangplank.io/executor-count': String(executors), 'gangplank.io/executor-resources': JSON.stringify({ cpu: opts.execCpu ?? '1', memory: '1Gi' }) })
    .obj();
}

const cpuNodes = (n: number, cpu: string, prefix = 'n'): V1Node[] => Array.from({ length: n }, (_, i) => makeNode(`${prefix}${i}`).cpu(cpu).memory('16Gi').obj());

describe('kubectl gangplank explain', () => {
  it('groups every node by reason with counts: scheduler fit, taints, reservations of an older gang', () => {
    const nodes = [
      ...cpuNodes(3, '1', 'small-'),
      makeNode('tainted').cpu('8').memory('16Gi').taint({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }).obj(),
      ...cpuNodes(2, '4', 'big-'),
    ];
    // An older gang planned first holds all of big-0 and big-1: driver 1 + 7 executors of 1 cpu.
    const older = driver('older', 7, { created: '2025-12-31T23:00:00Z' });
    const mine = makePod('lone').ns('spark').uid('uid-lone').scheduler('gangplank-scheduler').cpu('2').obj();
    const state = planningState({ nodes, pods: [older, mine] }, config, T0);
    expect(admit(state.context(), older, ['big-0', 'big-1']).kind).toBe('Ready');
    const e = explainPod(state, mine);
    expect(e.verdict).toBe('NotInGang');
    expect(e.nodes).toEqual([]);
    expect(e.groups).toEqual([
      { reason: 'insufficient cpu', inTree: true, nodes: ['small-0', 'small-1', 'small-2'] },
      { reason: 'held for gang spark/spark-older', inTree: false, nodes: ['big-0', 'big-1'] },
      { reason: 'untolerated taint', inTree: true, nodes: ['tainted'] },
    ]);
    expect(e.summary).toBe('insufficient cpu on 3 nodes, held for gang spark/spark-older on 2 nodes, untolerated taint on 1 node');
    expect(renderExplain(e, 'table')).toContain('held for gang spark/spark-older');
  });

  it('says "no single NUMA zone fits" for a GPU pod on a node whose GPUs are split over zones', () => {
    const gpu = makeNode('gpu-0')
      .cpu('16')
      .memory('64Gi')
      .gpu(4)
      .numaZones([
        { name: 'node-0', resources: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' } },
        { name: 'node-1', resources: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' } },
      ])
      .obj();
    const pod = makePod('train')
      .ns('ml')
      .uid('u-train')
      .scheduler('gangplank-scheduler')
      .requests({ cpu: '2', memory: '4Gi' })
      .gpu(4)
      .annotations({ 'numa.scheduling.kubenexus.io/policy': 'single-numa', 'numa.scheduling.kubenexus.io/resources': 'cpu,memory,nvidia.com/gpu' })
      .obj();
    const state = planningState({ nodes: [gpu, ...cpuNodes(2, '8')], pods: [pod] }, config, T0);
    const e = explainPod(state, pod);
    expect(e.groups.map((g) => [g.reason, g.nodes.length])).toEqual([
      ['insufficient nvidia.com/gpu', 2],
      ['no single NUMA zone fits', 1],
    ]);
    expect(e.nodes).toEqual([]);
  });

  it('a driver whose gang does not fit: the extender message, and nodes where the driver alone fits', () => {
    const d = driver('pi', 6, { execCpu: '2' });
    const state = planningState({ nodes: cpuNodes(2, '4'), pods: [d] }, config, T0);
    const e = explainPod(state, d);
    expect(e.verdict).toBe('DoesNotFit');
    expect(e.message).toMatch(/6 executors/);
    expect(e.groups).toEqual([{ reason: 'the pod fits, its gang does not', inTree: false, nodes: ['n0', 'n1'] }]);
  });
});

describe('kubectl gangplank status', () => {
  it('lists a reserved gang from its record and a pending gang with the reason admit gives, filtered by app', () => {
    const t = makeState({ nodes: cpuNodes(2, '4'), config: { sparkConfigWaitSeconds: 0 } });
    const a = driver('a', 3, { created: '2025-12-31T23:00:00Z' });
    t.addPod(a);
    expect(admit(t.state.context(), a, ['n0', 'n1']).kind).toBe('Ready');
    const record = t.state.ledger.serialise('spark/spark-a')!;
    const slot = t.state.ledger.get('spark/spark-a')!.slots[0]!;
    // What the API shows after the driver's bind: the plan on the anchor, the driver bound.
    const boundA = { ...a, metadata: { ...a.metadata, annotations: { ...a.metadata!.annotations, 'gangplank.io/gang-record': JSON.stringify(record), 'gangplank.io/gang': 'spark/spark-a', 'gangplank.io/slot': slot.id } }, spec: { ...a.spec!, nodeName: slot.node }, status: { phase: 'Running' as const } };
    const b = driver('b', 10, { created: '2025-12-31T23:30:00Z' });
    const other = { ...driver('c', 1), spec: { ...driver('c', 1).spec!, schedulerName: 'default-scheduler' } };
    const state = planningState({ nodes: cpuNodes(2, '4'), pods: [boundA, b, other] }, config, T0);
    const r = statusOf(state, SCHEDULERS);
    expect(r.gangs.map((g) => [g.key, g.state, g.members.bound, g.members.expected])).toEqual([
      ['spark/spark-a', 'reserved', 1, 4],
      ['spark/spark-b', 'does_not_fit', 0, 0],
    ]);
    expect(r.gangs[0]!.reservations.reduce((n, x) => n + x.slots, 0)).toBe(3);
    expect(r.gangs[1]!.why).toMatch(/10 executors/);
    expect(statusOf(planningState({ nodes: cpuNodes(2, '4'), pods: [boundA, b] }, config, T0), SCHEDULERS, { app: 'b' }).gangs.map((g) => g.key)).toEqual(['spark/spark-b']);
    const text = renderStatus(r, 'table');
    expect(text.split('\n')[0]).toMatch(/^NAMESPACE\s+GANG\s+KIND\s+STATE/);
    expect(text).toMatch(/spark-a\s+driver-led\s+reserved\s+1\/4/);
  });
});

describe('kubectl gangplank what-if', () => {
  const snapshotJson = (nodes: V1Node[], pods: V1Pod[]) => ({ apiVersion: 'v1', kind: 'List', items: [...nodes.map((n) => ({ kind: 'Node', ...n })), ...pods.map((p) => ({ kind: 'Pod', ...p }))] });

  it('prints the placement of a driver and its reserved executors, changing nothing in the snapshot', () => {
    const snap = parseSnapshot(snapshotJson(cpuNodes(2, '4'), []));
    if (snap instanceof Error) throw snap;
    const before = JSON.stringify(snap);
    const w = whatIf(snap, asCreated([driver('pi', 5)], 'spark', T0), fullConfig, T0);
    expect(w.fits).toBe(true);
    expect(Object.keys(w.plans)).toHaveLength(1);
    const plan = Object.values(w.plans)[0]!;
    expect(plan.filter((s) => s.role === 'executor')).toHaveLength(5);
    expect(plan.find((s) => s.role === 'driver')).toMatchObject({ bound: true, pod: 'pi-driver' });
    expect(JSON.stringify(snap)).toBe(before);
  });

  it('gives the same shortfall message the extender filter answers for the same cluster', async () => {
    const nodes = cpuNodes(3, '3');
    const busy = makePod('busy').ns('x').uid('u-busy').cpu('2').nodeName('n0').phase('Running').obj();
    const raw = asCreated([driver('big', 9)], 'spark', T0);
    const w = whatIf({ nodes, pods: [busy] }, raw, fullConfig, T0);
    // The extender sees the pod as the webhook shaped it (gang identity included).
    const app = admitted({ nodes, pods: [] }, raw, fullConfig).pods[0]!;
    expect(app.metadata?.labels?.['pod-group.scheduling.kubenexus.io/name']).toBeTruthy();
    const t = makeState({ nodes, pods: [busy, app], config: { sparkConfigWaitSeconds: 0 } });
    const filter = createFilterVerb(t.state);
    const res = await filter.handle({ Pod: app, NodeNames: ['n0', 'n1', 'n2'] }, pino({ level: 'silent' }));
    const extenderMessage = Object.values(res.FailedAndUnresolvableNodes ?? {})[0];
    expect(w.fits).toBe(false);
    expect(extenderMessage).toBeTruthy();
    expect(w.pods[0]!.message).toBe(extenderMessage);
  });

  it('rejects a snapshot that is not a List of nodes', () => {
    expect(parseSnapshot({ kind: 'Pod' })).toBeInstanceOf(Error);
    expect(parseSnapshot({ kind: 'List', items: [] })).toBeInstanceOf(Error);
  });
});

describe('kubectl gangplank arguments', () => {
  it.each([
    ['status in a namespace', ['status', '-n', 'spark', 'pi'], { cmd: 'status', namespace: 'spark', app: 'pi' }],
    ['explain NS/POD', ['explain', 'spark/pi-driver', '-o', 'json'], { cmd: 'explain', namespace: 'spark', pod: 'pi-driver' }],
    ['explain pod/NAME', ['explain', 'pod/x', '-n', 'a'], { cmd: 'explain', namespace: 'a', pod: 'x' }],
    ['what-if', ['what-if', '-f', 'app.yaml', '--snapshot', 'c.json'], { cmd: 'what-if', file: 'app.yaml', snapshot: 'c.json', namespace: 'default' }],
  ])('%s', (_name, argv, want) => {
    expect(parsePluginArgs(argv)).toMatchObject(want);
  });

  it.each([
    ['unknown output', ['status', '-o', 'xml']],
    ['explain without a pod', ['explain']],
    ['what-if without -f', ['what-if']],
    ['unknown command', ['frobnicate']],
  ])('%s is a usage error', (_name, argv) => {
    expect(() => parsePluginArgs(argv)).toThrow(UsageError);
  });
});

describe('snapshot', () => {
  it('takes a NodeList straight from the API (items without kind)', () => {
    const snap = parseSnapshot({ kind: 'NodeList', items: cpuNodes(2, '1') });
    expect(snap instanceof Error ? snap.message : snap.nodes.map((n) => n.metadata?.name)).toEqual(['n0', 'n1']);
  });
});
