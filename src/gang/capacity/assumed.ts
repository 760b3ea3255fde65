// Pods the extender bound that the pod cache does not show bound yet
// ("assumed"): where they went and until when they count. The scheduler never
// tells an extender that a Binding failed, so an assumption expires after the
// ledger's assumeTtl unless the cache confirms it first.
import type { V1Pod } from '@kubernetes/client-node';
import type { ResourceList } from '../../k8s/resources.js';

export interface Assumed {
  readonly node: string;
  readonly zone?: string;
  readonly usage: ResourceList;
  readonly expiresAt: number;
  /** Its spec, for what it takes from NRT zones when it has no recorded zone. */
  readonly pod?: V1Pod;
}

export class AssumedPods {
  private readonly assumed = new Map<string, Assumed>();

  /** Assume a pod (take() any earlier assumption of it first, so that insertion order stays expiry order). */
  add(uid: string, a: Assumed): void {
    this.assumed.set(uid, a);
  }

  /** Stop assuming a pod; what it was, for the caller to uncount. */
  take(uid: string): Assumed | undefined {
    const a = this.assumed.get(uid);
    if (a) this.assumed.delete(uid);
    return a;
  }

  has(uid: string): boolean {
    return this.assumed.has(uid);
  }

  entries(): IterableIterator<[string, Assumed]> {
    return this.assumed.entries();
  }

  /** Pods whose assumption ran out by `now`. All share one TTL, so insertion order is expiry order. */
  expiredBy(now: number): string[] {
    const out: string[] = [];
    for (const [uid, a] of this.assumed) {
      if (a.expiresAt > now) break;
      out.push(uid);
    }
    return out;
  }
}
