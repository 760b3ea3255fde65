// Zone fit: what must come from one NUMA zone (or, under the kubelet's
// restricted policy, from the fewest zones that can hold it) for a pod on a
// node, and which zones it takes. Two sources, combined:
//
// - the pod's annotation (numa.scheduling.kubenexus.io/policy single-numa):
//   its whole request of every listed resource in one zone, on every node
//   (Gangplank's own rule; with no topology at all it fails closed);
// - the node's kubelet, on nodes whose NodeResourceTopology names a
//   topology-manager policy: the resources its hint providers align for the
//   pod (./kubelet.ts), as that policy admits them.
//
// Who picks the zone matters. Where the kubelet aligns the pod it picks the
// zone itself, the lowest NUMA id that fits, whatever Gangplank planned; so
// there we predict that zone rather than the best fit. Elsewhere Gangplank's
// choice is the plan, and the best fit (least waste) keeps whole zones free
// for the pods that need them.
import type { ResourceList } from '../k8s/resources.js';
import { kubeletNeed, zoneSets } from './kubelet.js';
import type { NumaRequirement } from './policy.js';
import type { NodeTopology } from './topology.js';

export interface ZoneNeed {
  /** The resources the chosen zone(s) must hold, and how much of each. */
  readonly keys: readonly string[];
  readonly wants: readonly number[];
  /** How many zones together hold it: 1, or more under the restricted policy. */
  readonly span: number;
  /** The kubelet picks the zone (lowest NUMA id first); else Gangplank's best fit. */
  readonly kubeletPicks: boolean;
  /** The kubelet admits the pod on no zone as well (best-effort): not a reason to refuse the node. */
  readonly optional: boolean;
  /** Set when the node's kubelet would refuse the pod whatever is free. */
  readonly never?: string;
  /** Who asks for the zone, for reasons: "single-numa policy" or "topology manager single-numa-node (pod scope)". */
  readonly by: string;
}

/** The listed resources of an annotation policy, as a zone need (null when the pod lists none it requests). */
export function listedNeed(numa: NumaRequirement | null, need: ResourceList): ZoneNeed | null {
  const keys: string[] = [];
  const wants: number[] = [];
  for (const r of numa?.listed ?? []) {
    const want = need[r] ?? 0;
    if (want > 0 && !keys.includes(r)) {
      keys.push(r);
      wants.push(want);
    }
  }
  return keys.length === 0 ? null : { keys, wants, span: 1, kubeletPicks: false, optional: false, by: 'single-numa policy' };
}

/**
 * The zone need of a pod (`need`: its effective request) on a node of
 * `topology` (undefined: the node has none). `listed`: listedNeed(numa, need),
 * passed in because callers compute it once per pod.
 */
export function zoneNeed(numa: NumaRequirement | null, listed: ZoneNeed | null, topology: NodeTopology | undefined): ZoneNeed | null {
  const kt = topology?.source === 'nrt' ? topology.kubelet : undefined;
  if (!kt || !numa || kt.policy === 'none' || numa.aligned.containers === 0) return listed;
  const k = kubeletNeed(kt, numa.aligned, topology?.zones ?? [], topology?.reported ?? new Set());
  const by = `topology manager ${kt.policy} (${kt.scope} scope)`;
  if (k.kind === 'none') return listed;
  if (k.kind === 'never') return { keys: [], wants: [], span: 1, kubeletPicks: true, optional: false, never: k.reason, by };
  const keys = [...(listed?.keys ?? [])];
  const wants = [...(listed?.wants ?? [])];
  for (const r in k.need) {
    const i = keys.indexOf(r);
    if (i < 0) {
      keys.push(r);
      wants.push(k.need[r] as number);
    } else {
      wants[i] = Math.max(wants[i] as number, k.need[r] as number);
    }
  }
  if (listed && k.span > 1) {
    return { keys, wants, span: 1, kubeletPicks: true, optional: false, never: `its single-numa policy wants one NUMA zone, but the kubelet's ${by} spreads it over ${k.span}`, by };
  }
  return { keys, wants, span: k.span, kubeletPicks: true, optional: k.optional && !listed, by: listed ? `single-numa policy and ${by}` : by };
}

/** Free room of zone `i` (in the node's zone order) for resource `r`. */
export type ZoneFree = (i: number, r: string) => number;

function holds(need: ZoneNeed, zones: readonly number[], free: ZoneFree): boolean {
  for (let k = 0; k < need.keys.length; k++) {
    const r = need.keys[k] as string;
    let sum = 0;
    for (const i of zones) sum += free(i, r);
    if (sum < (need.wants[k] as number)) return false;
  }
  return true;
}

/** Waste a zone is left with: the mean over the needed resources of free-after / free-before (0 perfect, 1 emptiest). */
export function zoneWaste(need: ZoneNeed, i: number, free: ZoneFree): number {
  let sum = 0;
  for (let k = 0; k < need.keys.length; k++) {
    const f = free(i, need.keys[k] as string);
    sum += f > 0 ? (f - (need.wants[k] as number)) / f : 1;
  }
  return need.keys.length === 0 ? 0 : sum / need.keys.length;
}

/**
 * The zones (indexes into the node's zones, which are in NUMA id order) a
 * pod takes, or undefined when none can hold it: where the kubelet picks,
 * the first that fits (lowest ids, narrowest set); else the single zone
 * with the least waste (ties: the lower id).
 */
export function chooseZones(need: ZoneNeed, count: number, free: ZoneFree): number[] | undefined {
  if (need.span > 1) return zoneSets(count, need.span).find((set) => holds(need, set, free));
  let best: number | undefined;
  let bestWaste = Infinity;
  for (let i = 0; i < count; i++) {
    if (!holds(need, [i], free)) continue;
    if (need.kubeletPicks) return [i];
    const w = zoneWaste(need, i, free);
    if (w < bestWaste) {
      best = i;
      bestWaste = w;
    }
  }
  return best === undefined ? undefined : [best];
}

/** The most of each needed resource any one zone has free, for reasons ("nvidia.com/gpu 2"). */
export function mostFree(need: ZoneNeed, count: number, free: ZoneFree): ResourceList {
  const out: ResourceList = {};
  for (const r of need.keys) {
    let m = 0;
    for (let i = 0; i < count; i++) m = Math.max(m, free(i, r));
    out[r] = m;
  }
  return out;
}
