// An ExtenderState over StaticCaches, a settable clock and a recording Binder,
// for unit, property and HTTP tests of the gang scheduler.
import type { V1ConfigMap, V1Node, V1Pod } from '@kubernetes/client-node';
import { configSchema } from '../../src/config/schema.js';
import { StaticCache } from '../../src/k8s/cache.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { ExtenderConfig } from '../../src/config/index.js';
import type { GangRecord } from '../../src/contract/gang-record.js';
import { GANG_RECORD } from '../../src/contract/keys.js';
import { ExtenderState, type Binder, type GangEvent, type ParkedPod } from '../../src/extender/state.js';
import type { NodeResourceTopology } from '../../src/numa/topology.js';
import type { PodGroupSource } from '../../src/extender/podgroups.js';
import type { NativeGroupSource } from '../../src/extender/native-groups.js';

export class RecordingBinder implements Binder {
  readonly records: GangRecord[] = [];
  readonly bindings: { namespace: string; name: string; uid: string; node: string; annotations: Record<string, string> }[] = [];
  readonly calls: string[] = [];
  failBind = false;
  failPersist = false;
  /** Called once a Binding is accepted, before bind() returns: e.g. the watch event that can arrive before the answer. */
  onBind: ((binding: { namespace: string; name: string; uid: string; node: string; annotations: Record<string, string> }) => void) | undefined;
  async persistPlan(record: GangRecord): Promise<void> {
    this.calls.push(`persist ${record.namespace}/${record.name}`);
    if (this.failPersist) throw new Error('persist refused');
    this.records.push(record);
  }
  async bind(namespace: string, name: string, uid: string, node: string, annotations: Record<string, string>): Promise<void> {
    // A Binding carrying the gang's plan is a plan write too (one write with the bind).
    const record = annotations[GANG_RECORD];
    this.calls.push(`bind ${namespace}/${name} ${node}${record !== undefined ? ' +plan' : ''}`);
    if (this.failBind) throw new Error('binding refused');
    this.bindings.push({ namespace, name, uid, node, annotations });
    if (record !== undefined) this.records.push(JSON.parse(record) as GangRecord);
    this.onBind?.({ namespace, name, uid, node, annotations });
  }
  /** Every write of a gang's plan: patches on the anchor and Bindings that carry it. */
  planWrites(): string[] {
    return this.calls.filter((c) => c.startsWith('persist') || c.endsWith(' +plan'));
  }
}

export interface TestState {
  state: ExtenderState;
  binder: RecordingBinder;
  pods: StaticCache<V1Pod>;
  nodes: StaticCache<V1Node>;
  events: GangEvent[];
  /** ConfigMaps the extender reads spark.properties from (add one with upsert). */
  configMaps: StaticCache<V1ConfigMap>;
  /** Pods the state asked the runtime to wake. */
  woken: ParkedPod[];
  clock: { now: number };
  /** Add or replace a pod in the cache and feed the event. */
  addPod(pod: V1Pod): void;
  /** Simulate what the API server shows after a bind: nodeName and annotations set. */
  markBound(pod: V1Pod, node: string, annotations?: Record<string, string>): V1Pod;
  deletePod(pod: V1Pod): void;
}

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function testConfig(over: Partial<ExtenderConfig> = {}): ExtenderConfig {
  return { ...configSchema.parse({}).extender, ...over };
}

export function makeState(opts: { nodes?: V1Node[]; pods?: V1Pod[]; topologies?: NodeResourceTopology[]; config?: Partial<ExtenderConfig>; synced?: boolean; configMaps?: V1ConfigMap[]; podGroups?: PodGroupSource; nativeGroups?: NativeGroupSource } = {}): TestState {
  const clock = { now: T0 };
  const nodes = new StaticCache<V1Node>('nodes', opts.nodes ?? [], () => clock.now);
  const pods = new StaticCache<V1Pod>('pods', opts.pods ?? [], () => clock.now);
  if (opts.synced === false) (pods as unknown as { synced: () => boolean }).synced = () => false;
  const topologies = opts.topologies ? new StaticCache<NodeResourceTopology>('noderesourcetopologies', opts.topologies, () => clock.now) : undefined;
  const binder = new RecordingBinder();
  const events: GangEvent[] = [];
  const configMaps = new StaticCache<V1ConfigMap>('configmaps', opts.configMaps ?? [], () => clock.now);
  const woken: ParkedPod[] = [];
  const state = new ExtenderState({
    config: testConfig(opts.config),
    nodes,
    pods,
    topologies,
    binder,
    metrics: createMetrics({ defaultMetrics: false }),
    clock: () => clock.now,
    notify: (e) => events.push(e),
    configMaps,
    wake: (p) => woken.push(p),
    podGroups: opts.podGroups,
    nativeGroups: opts.nativeGroups,
  });
  state.loadCaches();
  return {
    state,
    binder,
    pods,
    nodes,
    events,
    configMaps,
    woken,
    clock,
    addPod(pod) {
      const existed = pods.get(pod.metadata?.name ?? '', pod.metadata?.namespace);
      pods.upsert(pod);
      state.onPod(existed ? 'update' : 'add', pod);
    },
    markBound(pod, node, annotations = {}) {
      const b = structuredClone(pod);
      b.spec = { ...(b.spec ?? { containers: [] }), nodeName: node };
      b.metadata = { ...b.metadata, annotations: { ...(b.metadata?.annotations ?? {}), ...annotations } };
      b.status = { ...(b.status ?? {}), phase: 'Running' };
      pods.upsert(b);
      state.onPod('update', b);
      return b;
    },
    deletePod(pod) {
      pods.remove(pod.metadata?.name ?? '', pod.metadata?.namespace);
      state.onPod('delete', pod);
    },
  };
}
