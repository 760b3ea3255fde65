// NodeResourceTopology discovered at any time (issue 12, item 1): the API
// appearing after start-up starts the watch without a restart, reported in
// gangplank_cache_synced; the API going away falls back to the annotation
// with a log line and an Event per node. A fake informer stands in for the
// API server; the extender state is the real one.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { TopologyDiscovery, NRT_GONE_REASON } from '../../../src/extender/topology-discovery.js';
import type { Informer, InformerHandlers } from '../../../src/k8s/informer.js';
import type { NodeResourceTopology } from '../../../src/numa/topology.js';
import { makeState, T0 } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';
import { Room, demand } from '../../../src/gang/room.js';
import { podUsage } from '../../../src/gang/capacity.js';
import { podNumaRequirement } from '../../../src/numa/policy.js';

class FakeInformer implements Informer<NodeResourceTopology> {
  readonly resource = 'noderesourcetopologies';
  private started = false;
  stopped = false;
  constructor(
    private readonly objects: NodeResourceTopology[],
    private readonly handlers: InformerHandlers<NodeResourceTopology>,
  ) {}
  async start(): Promise<void> {
    for (const o of this.objects) this.handlers.add?.(o);
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  get(name: string): NodeResourceTopology | undefined {
    return this.objects.find((o) => o.metadata?.name === name);
  }
  list(): readonly NodeResourceTopology[] {
    return this.objects;
  }
  synced(): boolean {
    return this.started;
  }
  lastHeardAt(): number {
    return T0;
  }
}

function nrt(name: string): NodeResourceTopology {
  return {
    metadata: { name },
    topologyPolicies: [],
    attributes: [{ name: 'topologyManagerPolicy', value: 'single-numa-node' }],
    zones: [0, 1].map((i) => ({
      name: `node-${i}`,
      type: 'Node',
      resources: [
        { name: 'cpu', capacity: '8', allocatable: '8', available: '8' },
        { name: 'memory', capacity: '32Gi', allocatable: '32Gi', available: '32Gi' },
        { name: 'nvidia.com/gpu', capacity: '4', allocatable: '4', available: '4' },
      ],
    })),
  };
}

function harness(objects: NodeResourceTopology[]) {
  const ts = makeState({
    nodes: [makeNode('gpu-a').cpu('16').memory('64Gi').gpu(8).obj(), makeNode('gpu-b').cpu('16').memory('64Gi').gpu(8).numaZones([{ name: 'z', resources: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '8' } }]).obj()],
  });
  const api = { served: false, fail: false };
  const informers: FakeInformer[] = [];
  const events: { node: string; reason: string; message: string }[] = [];
  const lines: { msg: string; nodes?: number }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const discovery = new TopologyDiscovery({
    serves: async () => {
      if (api.fail) throw new Error('connection refused');
      return api.served;
    },
    createInformer: (handlers) => {
      const i = new FakeInformer(objects, handlers);
      informers.push(i);
      return i;
    },
    target: ts.state,
    metrics: ts.state.metrics,
    logger,
    nodeEvent: (node, reason, message) => events.push({ node, reason, message }),
    hasAnnotation: (n) => ts.nodes.get(n)?.metadata?.annotations?.['gangplank.io/numa-topology'] !== undefined,
    nodeExists: (n) => ts.nodes.get(n) !== undefined,
    intervalMs: 1_000,
    now: () => ts.clock.now,
  });
  const synced = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const v of (await ts.state.metrics.registry.getSingleMetric('gangplank_cache_synced')!.get()).values) out[String(v.labels.resource)] = v.value;
    return out;
  };
  return { ts, api, informers, events, lines, discovery, synced };
}

/** A Guaranteed 4-GPU pod without NUMA annotations: zone fit only where a node's kubelet asks for it. */
const guaranteedGpuPod = () => makePod('train').ns('ml').uid('uid-train').requests({ cpu: '2', memory: '4Gi' }).limits({ cpu: '2', memory: '4Gi' }).gpu(4).obj();

describe('NodeResourceTopology discovered at any time', () => {
  it('starts watching when the API appears after start-up, without a restart, and reports it', async () => {
    const h = harness([nrt('gpu-a')]);
    await h.discovery.check(true);
    expect(h.discovery.active()).toBeUndefined();
    expect(await h.synced()).not.toHaveProperty('noderesourcetopologies');
    expect(h.ts.state.index.node('gpu-a')?.topology.ok).toBe(false);

    h.api.served = true;
    await h.discovery.check();
    expect(h.informers).toHaveLength(1);
    expect(h.ts.state.topologies).toBe(h.informers[0]);
    expect(await h.synced()).toMatchObject({ noderesourcetopologies: 1 });
    expect(h.lines.some((l) => /NodeResourceTopology served: watching it/.test(l.msg))).toBe(true);
    // The node now has the NRT's topology and its kubelet's policy: a Guaranteed GPU pod gets zone fit.
    const pod = guaranteedGpuPod();
    const f = new Room(h.ts.state.index, h.ts.state.ledger, { staleTopology: h.ts.state.context().staleTopology }).fitsDemand('gpu-a', demand(podUsage(pod), podNumaRequirement(pod, ['cpu'])));
    expect(f).toEqual({ ok: true, zone: 'node-0' });

    // A second round while served changes nothing.
    await h.discovery.check();
    expect(h.informers).toHaveLength(1);
  });

  it('falls back to the annotation when the API goes away, with a log line and an Event on each node', async () => {
    const h = harness([nrt('gpu-a'), nrt('gpu-b'), nrt('gpu-deleted')]);
    h.api.served = true;
    await h.discovery.check(true);
    expect(h.ts.state.index.node('gpu-b')?.topology).toMatchObject({ ok: true, topology: { source: 'nrt' } });

    h.api.served = false;
    await h.discovery.check();
    expect(h.informers[0]?.stopped).toBe(true);
    expect(h.discovery.active()).toBeUndefined();
    expect(h.ts.state.topologies).toBeUndefined();
    expect(await h.synced()).not.toHaveProperty('noderesourcetopologies');
    expect(h.ts.state.index.node('gpu-b')?.topology).toMatchObject({ ok: true, topology: { source: 'annotation' } });
    expect(h.ts.state.index.node('gpu-a')?.topology.ok).toBe(false);
    // gpu-deleted's node is gone: no Event about it.
    expect(h.lines.find((l) => /no longer served/.test(l.msg))).toMatchObject({ nodes: 2 });
    expect(h.events.map((e) => [e.node, e.reason])).toEqual([
      ['gpu-a', NRT_GONE_REASON],
      ['gpu-b', NRT_GONE_REASON],
    ]);
    expect(h.events[0]?.message).toMatch(/which it does not have/);
    expect(h.events[1]?.message).not.toMatch(/does not have/);

    // And it comes back.
    h.api.served = true;
    await h.discovery.check();
    expect(h.informers).toHaveLength(2);
    expect(h.ts.state.index.node('gpu-b')?.topology).toMatchObject({ ok: true, topology: { source: 'nrt' } });
  });

  it('keeps what it has when discovery cannot tell (API server unreachable)', async () => {
    const h = harness([nrt('gpu-a')]);
    h.api.served = true;
    await h.discovery.check(true);
    h.api.fail = true;
    await h.discovery.check();
    expect(h.discovery.active()).toBe(h.informers[0]);
    expect(h.events).toEqual([]);
  });

  it('restarts a watch that has been silent for three intervals while the API is served', async () => {
    const h = harness([nrt('gpu-a')]);
    h.api.served = true;
    await h.discovery.check(true);
    h.ts.clock.now = T0 + 3_001;
    await h.discovery.check();
    expect(h.informers).toHaveLength(2);
    expect(h.informers[0]?.stopped).toBe(true);
    expect(h.events).toEqual([]);
  });

  it('runs one round at a time', async () => {
    const h = harness([nrt('gpu-a')]);
    h.api.served = true;
    await Promise.all([h.discovery.check(), h.discovery.check(), h.discovery.check()]);
    expect(h.informers).toHaveLength(1);
  });
});
