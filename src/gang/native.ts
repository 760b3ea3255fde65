// The native gang API (KEP-4671 "Gang scheduling", the Workload API):
// Kubernetes 1.37 serves `scheduling.k8s.io/v1beta1` Workload and PodGroup
// behind the beta gate GenericWorkload (default off; the beta group also
// needs --runtime-config=scheduling.k8s.io/v1beta1=true). A pod joins a
// PodGroup with `spec.schedulingGroup.podGroupName` (same namespace); a
// PodGroup whose `spec.schedulingPolicy.gang.minCount` is set is a gang:
// kube-scheduler holds its pods until minCount exist and schedules them in one
// PodGroup scheduling cycle (pkg/scheduler/schedule_one_podgroup.go), in which
// each pod still goes through the extender's filter but its placement is only
// assumed in a snapshot and rolled back if the group fails.
//
// So for Gangplank (docs/extender.md, "Native PodGroups"):
// - filter commits nothing: the whole group is planned against Gangplank's
//   reservations (quorum minCount, node by node) and the pod pinned to its
//   node, but that plan is only remembered here as a speculative placement,
//   never held in the ledger, so a rolled-back cycle leaves no room held;
// - bind commits: the first member's bind turns the group's latest
//   speculative placements into a plan in the ledger (persisted like any
//   co-created gang's), so the room of the members still binding is never
//   given to anyone else; each later bind consumes its slot.
import type { V1Pod } from '@kubernetes/client-node';
import type { ResourceList } from '../k8s/resources.js';

/** The native PodGroup as the API serves it (the fields Gangplank reads). */
export interface NativePodGroupObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: {
    workloadRef?: { workloadName?: string; templateName?: string };
    schedulingPolicy?: { basic?: Record<string, never>; gang?: { minCount?: number } };
  };
}

export interface NativeGroupInfo {
  readonly namespace: string;
  readonly name: string;
  /** spec.schedulingPolicy.gang.minCount; undefined for a basic (not gang) policy. */
  readonly minCount?: number;
}

/** Native PodGroups by namespace and name, while the API serves them. */
export interface NativeGroupLookup {
  nativeGroup(namespace: string, name: string): NativeGroupInfo | undefined;
}

/** The PodGroup a pod names (spec.schedulingGroup.podGroupName), if any. */
export function nativeGroupOf(pod: V1Pod): string | undefined {
  const sg = (pod.spec as { schedulingGroup?: { podGroupName?: string } } | undefined)?.schedulingGroup;
  const name = sg?.podGroupName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** No quorum above this is believed (as for scheduler-plugins' minMember). */
const MAX_MIN_COUNT = 10_001;

export function nativeGroupInfo(pg: NativePodGroupObject): NativeGroupInfo {
  const meta = pg.metadata ?? {};
  const base = { namespace: meta.namespace ?? 'default', name: meta.name ?? '' };
  const min = pg.spec?.schedulingPolicy?.gang?.minCount;
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 1) return base;
  return { ...base, minCount: Math.min(min, MAX_MIN_COUNT) };
}

/** Where a filter call pinned one member, for the bind that commits the group. */
export interface SpeculativePlacement {
  readonly uid: string;
  readonly name: string;
  readonly node: string;
  readonly zone?: string;
  /** Requests including `pods: 1`. */
  readonly requests: ResourceList;
  readonly at: number;
}

/**
 * Filter's speculative placements of native PodGroup members, by gang key:
 * the latest per pod, forgotten after `ttlMs` (a cycle that never binds) or
 * when the group is committed. They hold no room for anyone but the group's
 * own later members in the same cycle.
 */
export class SpeculativePlacements {
  private readonly byGang = new Map<string, Map<string, SpeculativePlacement>>();

  constructor(private readonly ttlMs: number) {}

  record(key: string, p: SpeculativePlacement): void {
    let g = this.byGang.get(key);
    if (!g) this.byGang.set(key, (g = new Map()));
    g.set(p.uid, p);
    if (this.byGang.size > 10_000) this.byGang.delete(this.byGang.keys().next().value as string);
  }

  /** The group's live placements, other than `exceptUid`'s. */
  of(key: string, now: number, exceptUid?: string): SpeculativePlacement[] {
    const g = this.byGang.get(key);
    if (!g) return [];
    const out: SpeculativePlacement[] = [];
    for (const [uid, p] of g) {
      if (now - p.at > this.ttlMs) g.delete(uid);
      else if (uid !== exceptUid) out.push(p);
    }
    if (g.size === 0) this.byGang.delete(key);
    return out;
  }

  forget(key: string): void {
    this.byGang.delete(key);
  }

  size(): number {
    return this.byGang.size;
  }
}
