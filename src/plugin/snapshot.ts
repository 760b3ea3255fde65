// A cluster snapshot (nodes, pods, NodeResourceTopology objects, the Spark
// drivers' ConfigMaps) and the planning state built over it: the extender's
// own ExtenderState over StaticCaches, its ledger restored from the gang
// records on anchor pods exactly as a restarted extender restores it. There
// is no second planner: `kubectl gangplank` runs src/gang/admit.ts on this.
// Nothing here writes to the API: the Binder refuses.
import type { V1ConfigMap, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ExtenderConfig } from '../config/index.js';
import { ExtenderState, type Binder } from '../extender/state.js';
import { StaticCache } from '../k8s/cache.js';
import { createMetrics } from '../metrics/index.js';
import type { NodeResourceTopology } from '../numa/topology.js';

export interface Snapshot {
  readonly nodes: readonly V1Node[];
  readonly pods: readonly V1Pod[];
  readonly topologies?: readonly NodeResourceTopology[];
  readonly configMaps?: readonly V1ConfigMap[];
}

/** A read-only tool never binds: any attempt is a bug. */
const refusingBinder: Binder = {
  persistPlan: () => Promise.reject(new Error('kubectl gangplank is read-only: it never writes a plan')),
  bind: () => Promise.reject(new Error('kubectl gangplank is read-only: it never binds')),
};

/**
 * The items of `kubectl get nodes,pods -A -o json` (a v1 List), also with
 * NodeResourceTopology and ConfigMap items when present. Other kinds are
 * skipped; a body that is not a List is an error.
 */
export function parseSnapshot(value: unknown): Snapshot | Error {
  const list = value as { kind?: string; items?: unknown };
  if (!list || typeof list !== 'object' || !Array.isArray(list.items)) return new Error('not a Kubernetes List: expected the output of `kubectl get nodes,pods -A -o json`');
  const nodes: V1Node[] = [];
  const pods: V1Pod[] = [];
  const topologies: NodeResourceTopology[] = [];
  const configMaps: V1ConfigMap[] = [];
  // kubectl sets each item's kind; a list straight from the API (NodeList, PodList) sets only its own.
  const listed = typeof list.kind === 'string' && list.kind.endsWith('List') && list.kind !== 'List' ? list.kind.slice(0, -4) : undefined;
  for (const raw of list.items as { kind?: string }[]) {
    const item = raw && !raw.kind && listed ? { ...raw, kind: listed } : raw;
    if (item?.kind === 'Node') nodes.push(item as V1Node);
    else if (item?.kind === 'Pod') pods.push(item as V1Pod);
    else if (item?.kind === 'NodeResourceTopology') topologies.push(item as NodeResourceTopology);
    else if (item?.kind === 'ConfigMap') configMaps.push(item as V1ConfigMap);
  }
  if (nodes.length === 0) return new Error('the snapshot holds no Node: take it with `kubectl get nodes,pods -A -o json`');
  return { nodes, pods, topologies, configMaps };
}

/** The extender's state over a snapshot, caches loaded and the ledger restored, at `now`. */
export function planningState(snap: Snapshot, config: ExtenderConfig, now: number): ExtenderState {
  const clock = (): number => now;
  const state = new ExtenderState({
    config,
    nodes: new StaticCache<V1Node>('nodes', snap.nodes, clock),
    pods: new StaticCache<V1Pod>('pods', snap.pods, clock),
    ...(snap.topologies && snap.topologies.length > 0 ? { topologies: new StaticCache<NodeResourceTopology>('noderesourcetopologies', snap.topologies, clock) } : {}),
    ...(snap.configMaps ? { configMaps: new StaticCache<V1ConfigMap>('configmaps', snap.configMaps, clock) } : {}),
    binder: refusingBinder,
    metrics: createMetrics({ defaultMetrics: false }),
    clock,
  });
  state.loadCaches();
  state.restore();
  return state;
}
