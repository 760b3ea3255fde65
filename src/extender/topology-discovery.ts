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
import type { Informer, InformerHandlers } from '../k8s/informer.js';
import type { Metrics } from '../metrics/index.js';
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
  metrics: Pick<Metrics, 'trackCache' | 'untrackCache'>;
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

export class TopologyDiscovery {
  private informer: Informer<NodeResourceTopology> | undefined;
  /** Nodes whose NRT object was seen since the API was last found served. */
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: TopologyDiscoveryDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The NRT informer while the API is served. */
  active(): Informer<NodeResourceTopology> | undefined {
    return this.informer;
  }

  /**
   * One discovery round. `waitForSync`: await the informer's first list when
   * it starts (at start-up, so the ledger is restored against topology).
   */
  check(waitForSync = false): Promise<void> {
    // One round at a time: a slow API server must not start two informers.
    this.checking ??= this.round(waitForSync).finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async round(waitForSync: boolean): Promise<void> {
    const log = this.deps.logger;
    let served: boolean;
    try {
      served = await this.deps.serves();
    } catch (err) {
      // Cannot tell (API server unreachable): keep what we have; the caches' staleness fails closed.
      log.debug({ err: String(err) }, 'NodeResourceTopology discovery failed; trying again');
      return;
    }
    const current = this.informer;
    if (served && current && this.now() - current.lastHeardAt() > 3 * this.deps.intervalMs) {
      // Served, but our watch died (the CRD was replaced between two rounds): start afresh.
      log.warn({ resource: NRT_RESOURCE }, 'NodeResourceTopology watch is not running; restarting it');
      await this.stopInformer();
    }
    if (served && !this.informer) await this.startInformer(waitForSync);
    else if (!served && this.informer) await this.gone();
  }

  private async startInformer(waitForSync: boolean): Promise<void> {
    const { target, logger: log } = this.deps;
    const informer = this.deps.createInformer({
      add: (t) => this.event('add', t),
      update: (t) => this.event('update', t),
      delete: (t) => target.onTopology('delete', t),
    });
    this.informer = informer;
    this.seen.clear();
    target.attachTopologies(informer);
    this.deps.metrics.trackCache(NRT_RESOURCE, () => informer.synced());
    log.info({ groupVersion: NRT_GROUP_VERSION }, 'NodeResourceTopology served: watching it');
    const started = informer.start().catch((err: unknown) => log.warn({ err: String(err) }, 'NodeResourceTopology watch failed to start; discovery will retry'));
    if (waitForSync) await started;
  }

  private event(type: 'add' | 'update', t: NodeResourceTopology): void {
    const name = t.metadata?.name;
    if (name) this.seen.add(name);
    this.deps.target.onTopology(type, t);
  }

  private async stopInformer(): Promise<void> {
    const old = this.informer;
    this.informer = undefined;
    this.deps.metrics.untrackCache(NRT_RESOURCE);
    await old?.stop().catch(() => undefined);
  }

  private async gone(): Promise<void> {
    await this.stopInformer();
    const nodes = [...new Set([...this.seen, ...this.deps.target.detachTopologies()])].filter((n) => this.deps.nodeExists(n)).sort();
    this.seen.clear();
    this.deps.logger.warn(
      { groupVersion: NRT_GROUP_VERSION, nodes: nodes.length },
      'NodeResourceTopology no longer served: NUMA topology from node annotations only (gangplank.io/numa-topology)',
    );
    for (const node of nodes.slice(0, MAX_NODE_EVENTS)) {
      const fallback = this.deps.hasAnnotation(node)
        ? 'its gangplank.io/numa-topology annotation'
        : 'its gangplank.io/numa-topology annotation, which it does not have: pods that need a NUMA zone are not placed here';
      this.deps.nodeEvent(node, NRT_GONE_REASON, `${NRT_GROUP_VERSION} NodeResourceTopology is no longer served; NUMA topology of this node now comes from ${fallback}`);
    }
  }

  /** Check every interval from now on. */
  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
    const old = this.informer;
    this.informer = undefined;
    await old?.stop().catch(() => undefined);
  }
}
