// NodeResourceTopology discovered at any time. Topology exporters (and their
// CRD) are installed after the scheduler as often as before it, and can be
// removed, so the extender asks the API server every interval whether it
// serves topology.node.k8s.io/v1alpha2: when it starts to, the NRT informer
// starts (no restart needed) and gangplank_cache_synced{resource=
// "noderesourcetopologies"} and /readyz report it; when it stops, the
// informer stops, every node falls back to its gangplank.io/numa-topology
// annotation, and a log line and an Event on each node that had an NRT
// object say so. Discovery itself needs no RBAC grant (docs/rbac.md).
import type { Logger } from 'pino';
import { ApiDiscovery, type CacheTracker } from '../k8s/api-discovery.js';
import type { Informer, InformerHandlers } from '../k8s/informer.js';
import type { NodeResourceTopology } from '../numa/topology.js';

export const NRT_GROUP_VERSION = 'topology.node.k8s.io/v1alpha2';
export const NRT_RESOURCE = 'noderesourcetopologies';
export const NRT_GONE_REASON = 'NodeResourceTopologyGone';

/** What discovery drives: the extender state's topology source. */
export interface TopologyTarget {
  attachTopologies(cache: Informer<NodeResourceTopology>): void;
  /** Returns the nodes that had an NRT object. */
  detachTopologies(): string[];
  onTopology(type: 'add' | 'update' | 'delete', nrt: NodeResourceTopology): void;
}

export interface TopologyDiscoveryDeps {
  /** Whether the API server serves NRT_GROUP_VERSION (discovery GET); throws when it cannot tell. */
  serves(): Promise<boolean>;
  /** A new informer over NRT objects feeding `handlers`. */
  createInformer(handlers: InformerHandlers<NodeResourceTopology>): Informer<NodeResourceTopology>;
  target: TopologyTarget;
  metrics: CacheTracker;
  logger: Logger;
  /** An Event on a Node (the runtime posts it; tests record it). */
  nodeEvent(node: string, reason: string, message: string): void;
  /** Whether a node carries the fallback annotation (for the Event's message). */
  hasAnnotation(node: string): boolean;
  /** Whether the node still exists (no Event about a node that is gone). */
  nodeExists(node: string): boolean;
  intervalMs: number;
  now?: () => number;
}

/** At most this many nodes get an Event when the API goes away (the log line counts them all). */
const MAX_NODE_EVENTS = 100;

/**
 * The shared discovery loop (../k8s/api-discovery.ts) with what NRT adds: the
 * nodes whose NRT object was seen, so that when the API goes each of them gets
 * an Event saying where its topology now comes from.
 */
export class TopologyDiscovery {
  /** Nodes whose NRT object was seen since the API was last found served. */
  private readonly seen = new Set<string>();
  private readonly discovery: ApiDiscovery<NodeResourceTopology>;

  constructor(private readonly deps: TopologyDiscoveryDeps) {
    const { target } = deps;
    this.discovery = new ApiDiscovery<NodeResourceTopology>({
      groupVersion: NRT_GROUP_VERSION,
      resource: NRT_RESOURCE,
      name: 'NodeResourceTopology',
      goneMessage: 'NUMA topology from node annotations only (gangplank.io/numa-topology)',
      serves: deps.serves,
      createInformer: deps.createInformer,
      target: {
        attach: (cache) => {
          this.seen.clear();
          target.attachTopologies(cache);
        },
        detach: () => ({ nodes: this.gone() }),
        event: (type, t) => {
          const name = t.metadata?.name;
          if (type !== 'delete' && name) this.seen.add(name);
          target.onTopology(type, t);
        },
      },
      metrics: deps.metrics,
      logger: deps.logger,
      intervalMs: deps.intervalMs,
      ...(deps.now ? { now: deps.now } : {}),
    });
  }

  /** The NRT informer while the API is served. */
  active(): Informer<NodeResourceTopology> | undefined {
    return this.discovery.active();
  }

  /**
   * One discovery round. `waitForSync`: await the informer's first list when
   * it starts (at start-up, so the ledger is restored against topology).
   */
  check(waitForSync = false): Promise<void> {
    return this.discovery.check(waitForSync);
  }

  /** Tell each node that had an NRT object (at most MAX_NODE_EVENTS): returns how many there were. */
  private gone(): number {
    const nodes = [...new Set([...this.seen, ...this.deps.target.detachTopologies()])].filter((n) => this.deps.nodeExists(n)).sort();
    this.seen.clear();
    for (const node of nodes.slice(0, MAX_NODE_EVENTS)) {
      const fallback = this.deps.hasAnnotation(node)
        ? 'its gangplank.io/numa-topology annotation'
        : 'its gangplank.io/numa-topology annotation, which it does not have: pods that need a NUMA zone are not placed here';
      this.deps.nodeEvent(node, NRT_GONE_REASON, `${NRT_GROUP_VERSION} NodeResourceTopology is no longer served; NUMA topology of this node now comes from ${fallback}`);
    }
    return nodes.length;
  }

  /** Check every interval from now on. */
  start(): void {
    this.discovery.start();
  }

  stop(): Promise<void> {
    return this.discovery.stop();
  }
}
