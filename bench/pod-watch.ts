// One watch on every pod of the cluster, for the scheduler benchmark: when
// each pod was first seen bound (spec.nodeName set) and to which node, the
// same way for every scheduler under test. The watch restarts from its last
// resourceVersion when the API server closes it.
import { Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';

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
  private abort: AbortController | undefined;
  private stopped = false;
  private resourceVersion: string | undefined;

  constructor(private readonly kc: KubeConfig) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const params: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (this.resourceVersion) params.resourceVersion = this.resourceVersion;
    this.abort = await new Watch(this.kc).watch(
      '/api/v1/pods',
      params,
      (phase, obj: V1Pod) => {
        const rv = obj?.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (phase === 'BOOKMARK' || phase === 'DELETED' || !obj?.spec?.nodeName) return;
        const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
        if (this.bound.has(key)) return;
        const b: BoundPod = { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '', node: obj.spec.nodeName, at: performance.now(), pod: obj };
        this.bound.set(key, b);
        for (const l of this.listeners) l(b);
      },
      (err: unknown) => {
        if (this.stopped) return;
        // A closed watch (timeout or "too old resource version") starts again.
        if (err && /too old|Expired|410/.test(String(err))) this.resourceVersion = undefined;
        setTimeout(() => void this.connect().catch(() => undefined), 200);
      },
    );
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
    this.abort?.abort();
  }
}
