// Waking pods the scheduler parked. kube-scheduler keeps a pod an extender
// rejected in its unschedulable queue until a cluster event it cares about
// (a node added or changed, an assigned pod deleted) or five minutes pass
// (podMaxInUnschedulablePodsDuration). Room Gangplank frees — a reservation
// timing out, a driver failing — and a co-created gang becoming complete are
// no such event. Updating the parked pod itself is one: with queueing hints
// (on by default since 1.32) an update to an unschedulable pod whose rejection
// came from no in-tree plugin moves it back to the active queue
// (PriorityQueue.Update → isPodWorthRequeuing: "no failed plugins").
// So we record the pods filter turned away and touch an annotation on them
// when their chance may have come.
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { gangLabel } from '../gang/identity.js';
import { nativeGroupOf } from '../gang/native.js';
import type { KubeClient } from '../k8s/client.js';
import type { ExtenderFilterResult } from '../k8s/wire.js';

export const REQUEUE_ANNOTATION = 'gangplank.io/requeued-at';

interface Parked {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly gang?: string;
  readonly at: number;
}

export interface Toucher {
  touch(namespace: string, name: string, uid: string, at: number): Promise<void>;
}

export function apiToucher(client: KubeClient): Toucher {
  return {
    async touch(namespace, name, uid, at) {
      await client.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
        patchType: 'merge',
        body: { metadata: { uid, annotations: { [REQUEUE_ANNOTATION]: new Date(at).toISOString() } } },
        // The answer is the whole pod, which nobody reads.
        discardBody: true,
      });
    },
  };
}

export class Requeuer {
  private readonly parked = new Map<string, Parked>();

  constructor(
    private readonly toucher: Toucher,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** At most this many pods woken per release, oldest first. */
    private readonly batch = 64,
    /** Forget a parked pod after this long (the scheduler's own 5-minute flush has run by then). */
    private readonly forgetAfterMs = 6 * 60_000,
  ) {}

  /** Record what filter answered for `pod`. */
  observe(pod: V1Pod, result: ExtenderFilterResult): void {
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    const gang = gangLabel(pod.metadata?.labels).name ?? nativeGroupOf(pod);
    const passed = (result.NodeNames?.length ?? result.Nodes?.items?.length ?? 0) > 0;
    if (!passed) {
      this.parked.set(uid, { namespace, name: pod.metadata?.name ?? '', uid, gang, at: this.now() });
      return;
    }
    this.parked.delete(uid);
    if (gang !== undefined) {
      // A member passed: its gang is planned, so its parked siblings can go now.
      this.wake([...this.parked.values()].filter((p) => p.namespace === namespace && p.gang === gang));
    }
  }

  /** Wake one pod now: a driver whose spark.properties arrived, or whose wait for it is over. */
  wakePod(p: { readonly namespace: string; readonly name: string; readonly uid: string }): void {
    this.wake([{ namespace: p.namespace, name: p.name, uid: p.uid, at: this.now() }]);
  }

  /** Wake the parked pods of one gang (its PodGroup appeared or changed). */
  wakeGang(namespace: string, gang: string): void {
    this.wake([...this.parked.values()].filter((p) => p.namespace === namespace && p.gang === gang));
  }

  /** A pod left the cluster (informer delete): forget it. */
  forget(uid: string): void {
    this.parked.delete(uid);
  }

  /** Room was freed: wake the oldest parked pods. */
  roomFreed(): void {
    const cutoff = this.now() - this.forgetAfterMs;
    for (const [uid, p] of this.parked) if (p.at < cutoff) this.parked.delete(uid);
    this.wake([...this.parked.values()].sort((a, b) => a.at - b.at).slice(0, this.batch));
  }

  size(): number {
    return this.parked.size;
  }

  private wake(pods: readonly Parked[]): void {
    const at = this.now();
    for (const p of pods) {
      this.parked.delete(p.uid);
      this.toucher.touch(p.namespace, p.name, p.uid, at).catch((err: unknown) => {
        this.logger.debug({ err: String(err), pod: `${p.namespace}/${p.name}` }, 'cannot wake parked pod');
      });
    }
  }
}
