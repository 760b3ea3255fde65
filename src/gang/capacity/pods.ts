// What the index knows of each pod (PodFacts), found by uid or by namespace
// and name. This is the extender's largest table, so it is kept lean
// (bench/RESULTS.md, "Extender memory"): equal memberships and usages are
// shared between pods, and names are found through one map per namespace
// rather than a "namespace/name" string per pod.
import type { V1Pod } from '@kubernetes/client-node';
import type { ResourceList } from '../../k8s/resources.js';
import { NUMA_ZONE } from '../../contract/keys.js';
import { creationMs, isTerminal, membership, type DriverLookup, type Membership } from '../identity.js';
import { SharedValues } from './shared.js';
import { podUsage } from './usage.js';

export interface PodFacts {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** spec.nodeName once bound. */
  readonly node?: string;
  /** gangplank.io/numa-zone, recorded at bind. */
  readonly zone?: string;
  /** Requests as the scheduler computes them, plus `pods: 1`. */
  readonly usage: ResourceList;
  readonly terminal: boolean;
  readonly membership: Membership | null;
  readonly createdAt: number;
  readonly pod: V1Pod;
}

export class PodTable {
  private readonly pods = new Map<string, PodFacts>();
  /** Namespace → name → uid (nested: no "namespace/name" string per pod). */
  private readonly uidByName = new Map<string, Map<string, string>>();
  private readonly memberships = new SharedValues<Membership | null>();
  private readonly usages = new SharedValues<ResourceList>();

  get(uid: string): PodFacts | undefined {
    return this.pods.get(uid);
  }

  byName(namespace: string, name: string): PodFacts | undefined {
    const uid = this.uidByName.get(namespace)?.get(name);
    return uid ? this.pods.get(uid) : undefined;
  }

  /** Record a pod's facts under `uid` (remove() its old ones first); `lookup` finds executors' drivers. */
  add(uid: string, pod: V1Pod, lookup: DriverLookup): PodFacts {
    const m = this.memberships.intern(membership(pod, lookup));
    const facts: PodFacts = {
      uid,
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name ?? '',
      node: pod.spec?.nodeName || undefined,
      zone: pod.metadata?.annotations?.[NUMA_ZONE] || undefined,
      usage: this.usages.intern(podUsage(pod)),
      terminal: isTerminal(pod),
      membership: m,
      createdAt: creationMs(pod),
      pod,
    };
    this.pods.set(uid, facts);
    let names = this.uidByName.get(facts.namespace);
    if (!names) this.uidByName.set(facts.namespace, (names = new Map()));
    names.set(facts.name, uid);
    return facts;
  }

  /** Forget a pod; its old facts, for the caller to uncount. */
  remove(uid: string): PodFacts | undefined {
    const old = this.pods.get(uid);
    if (!old) return undefined;
    this.pods.delete(uid);
    const names = this.uidByName.get(old.namespace);
    // A newer pod of the same name (another uid) keeps its entry.
    if (names?.get(old.name) === uid) {
      names.delete(old.name);
      if (names.size === 0) this.uidByName.delete(old.namespace);
    }
    return old;
  }
}
