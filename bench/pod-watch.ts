// One watch on every pod of the cluster, for the scheduler benchmark: when
// each pod was first seen bound (spec.nodeName set) and to which node, the
// same way for every scheduler under test. The watch restarts from its last
// resourceVersion when the API server closes it.
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient, Watching } from '../src/k8s/client.js';

export interface BoundPod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  /** performance.timeOrigin-based ms (Date.now() resolution is enough here, but this is monotonic). */
  readonly at: number;
  readonly pod: V1Pod;
}

export class PodWatch {
  private readonly bound = new Map<string, BoundPod>();
  private readonly listeners = new Set<(b: BoundPod) => void>();
  private current: Watching | undefined;
  private stopped = false;
  private resourceVersion: string | undefined;

  constructor(private readonly client: KubeClient) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const q = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true' });
    if (this.resourceVersion) q.set('resourceVersion', this.resourceVersion);
    this.current = this.client.watch<V1Pod>(`/api/v1/pods?${q.toString()}`, {
      event: ({ type, object: obj }) => {
        const rv = obj?.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (type === 'ERROR') this.resourceVersion = undefined;
        if (type === 'BOOKMARK' || type === 'DELETED' || !obj?.spec?.nodeName) return;
        const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
        if (this.bound.has(key)) return;
        const b: BoundPod = { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '', node: obj.spec.nodeName, at: performance.now(), pod: obj };
        this.bound.set(key, b);
        for (const l of this.listeners) l(b);
      },
      done: () => {
        // A closed watch (timeout or "too old resource version") starts again.
        if (!this.stopped) setTimeout(() => void this.connect(), 200);
      },
    });
  }

  onBound(fn: (b: BoundPod) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Bound pods of one namespace. */
  boundIn(namespace: string): BoundPod[] {
    const out: BoundPod[] = [];
    for (const b of this.bound.values()) if (b.namespace === namespace) out.push(b);
    return out;
  }

  /** Forget a namespace's pods (its run is over; names may be reused). */
  forget(namespace: string): void {
    for (const [k, b] of this.bound) if (b.namespace === namespace) this.bound.delete(k);
  }

  stop(): void {
    this.stopped = true;
    this.current?.abort();
  }
}
