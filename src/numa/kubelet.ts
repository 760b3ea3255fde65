// The kubelet's Topology Manager, as far as placement needs it: which of a
// pod's resources its hint providers align to NUMA zones, and what its policy
// does with the merged hint at admission (KEP-693 and the docs page
// https://kubernetes.io/docs/tasks/administer-cluster/topology-manager/):
//
// - Hint providers. The device manager gives hints for every device-plugin
//   resource, whatever the pod's QoS class. The CPU manager (static policy)
//   gives hints only for Guaranteed pods' containers with whole CPUs (they
//   get exclusive cores); the memory manager (Static policy) for Guaranteed
//   pods' memory and hugepages. An exporter does not say which CPU and memory
//   manager policies a node runs, so we assume static/Static: it aligns at
//   least as much as the kubelet does, so a pod we place is never one it
//   rejects (it may refuse a pod a node with policy none would take).
//   scheduler-plugins' resourcerequests.IsExclusive makes the same cut.
// - Policies. none: no alignment. best-effort: prefers an aligned placement,
//   admits any. restricted: admits only a "preferred" merged hint: the
//   resources fit in the fewest zones their capacity allows, every provider
//   agreeing on the same zones. single-numa-node: admits only a preferred
//   hint of one zone. Among preferred hints the kubelet takes the narrowest,
//   then the lowest NUMA ids (bitmask.IsNarrowerThan), so the zone a pod gets
//   is the kubelet's choice, not ours.
// - Scopes. pod: the pod's aligned request as a whole (its effective request:
//   app containers and sidecars together, or the largest init container).
//   container: each container alone; a pod whose aligned whole fits one zone
//   passes container by container too (each container fits that zone, and a
//   container the kubelet puts in a lower zone leaves it more room), so we
//   check the whole, which is never laxer than the kubelet.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { formatQuantity } from '../k8s/quantity.js';
import { parseResourceList, type ResourceList } from '../k8s/resources.js';

export type TopologyManagerPolicy = 'none' | 'best-effort' | 'restricted' | 'single-numa-node';
export type TopologyManagerScope = 'container' | 'pod';

export interface KubeletTopology {
  readonly policy: TopologyManagerPolicy;
  readonly scope: TopologyManagerScope;
}

/** The kubelet's defaults (KubeletConfiguration topologyManagerPolicy, topologyManagerScope). */
export const KUBELET_DEFAULT: KubeletTopology = Object.freeze({ policy: 'none', scope: 'container' });

/** NRT attributes the exporters (resource-topology-exporter, NFD topology-updater) write. */
export const POLICY_ATTRIBUTE = 'topologyManagerPolicy';
export const SCOPE_ATTRIBUTE = 'topologyManagerScope';

const POLICIES: ReadonlySet<string> = new Set(['none', 'best-effort', 'restricted', 'single-numa-node']);
const SCOPES: ReadonlySet<string> = new Set(['container', 'pod']);

/** The deprecated v1alpha2 `topologyPolicies` values (noderesourcetopology-api TopologyManagerPolicy). */
const LEGACY: Readonly<Record<string, KubeletTopology>> = {
  SingleNUMANodeContainerLevel: { policy: 'single-numa-node', scope: 'container' },
  SingleNUMANodePodLevel: { policy: 'single-numa-node', scope: 'pod' },
  Restricted: { policy: 'restricted', scope: 'container' },
  RestrictedContainerLevel: { policy: 'restricted', scope: 'container' },
  RestrictedPodLevel: { policy: 'restricted', scope: 'pod' },
  BestEffort: { policy: 'best-effort', scope: 'container' },
  BestEffortContainerLevel: { policy: 'best-effort', scope: 'container' },
  BestEffortPodLevel: { policy: 'best-effort', scope: 'pod' },
  None: { policy: 'none', scope: 'container' },
};

/**
 * The node's topology manager from its NRT object: the legacy field first,
 * then the attributes, which win (as scheduler-plugins' nodeconfig reads
 * them). Unknown values are ignored, leaving the kubelet's defaults.
 */
export function kubeletTopology(topologyPolicies: readonly string[] | undefined, attributes: readonly { name: string; value: string }[] | undefined): KubeletTopology {
  let policy: TopologyManagerPolicy = KUBELET_DEFAULT.policy;
  let scope: TopologyManagerScope = KUBELET_DEFAULT.scope;
  const legacy = topologyPolicies?.[0] !== undefined ? LEGACY[topologyPolicies[0]] : undefined;
  if (legacy) ({ policy, scope } = legacy);
  for (const a of attributes ?? []) {
    if (a?.name === POLICY_ATTRIBUTE && POLICIES.has(a.value)) policy = a.value as TopologyManagerPolicy;
    if (a?.name === SCOPE_ATTRIBUTE && SCOPES.has(a.value)) scope = a.value as TopologyManagerScope;
  }
  return { policy, scope };
}

// ---- which resources are aligned ----

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Names without a domain, or in kubernetes.io, are native (v1helper.IsNativeResource); the rest are extended. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Requests with limits standing in where absent, as the API server defaults them. */
function containerQuantities(c: V1Container): { requests: ResourceList; limits: ResourceList } {
  const limits = parseResourceList(c.resources?.limits as Record<string, string> | undefined);
  const requests = { ...limits, ...parseResourceList(c.resources?.requests as Record<string, string> | undefined) };
  return { requests, limits };
}

/**
 * The pod's QoS class as v1qos.GetPodQOS computes it: only cpu and memory
 * count; Guaranteed when every container sets limits for both and every
 * request equals its limit; BestEffort when no container asks for either.
 */
export function podQos(pod: V1Pod): QosClass {
  const requests: ResourceList = {};
  const limits: ResourceList = {};
  let guaranteed = true;
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    const q = containerQuantities(c);
    let found = 0;
    for (const r of ['cpu', 'memory']) {
      if ((q.requests[r] ?? 0) > 0) requests[r] = (requests[r] ?? 0) + (q.requests[r] as number);
      if ((q.limits[r] ?? 0) > 0) {
        limits[r] = (limits[r] ?? 0) + (q.limits[r] as number);
        found++;
      }
    }
    if (found < 2) guaranteed = false;
  }
  const nReq = Object.keys(requests).length;
  const nLim = Object.keys(limits).length;
  if (nReq === 0 && nLim === 0) return 'BestEffort';
  if (guaranteed && nReq === nLim && Object.keys(requests).every((r) => requests[r] === limits[r])) return 'Guaranteed';
  return 'Burstable';
}

/**
 * The resources of one container that a hint provider aligns: device-plugin
 * (extended) resources always; for a Guaranteed pod also whole CPUs and
 * memory and hugepages (scheduler-plugins resourcerequests.IsExclusive).
 */
export function alignedResources(qos: QosClass, requests: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const r in requests) {
    const v = requests[r] as number;
    if (v <= 0) continue;
    if (!isNativeResource(r)) out[r] = v;
    else if (qos !== 'Guaranteed') continue;
    else if (r === 'cpu' ? v % 1000 === 0 : r === 'memory' || r.startsWith('hugepages-')) out[r] = v;
  }
  return out;
}

/** What a pod asks the kubelet's hint providers to align. */
export interface Alignment {
  /** Pod scope: the effective request over aligned resources (as k8s/resources podRequests sums them). */
  readonly pod: ResourceList;
  /** Containers (init and app) that ask for any aligned resource. */
  readonly containers: number;
}

export const NO_ALIGNMENT: Alignment = Object.freeze({ pod: Object.freeze({}) as ResourceList, containers: 0 });

function addTo(a: ResourceList, b: ResourceList): ResourceList {
  const out = { ...a };
  for (const k in b) out[k] = (out[k] ?? 0) + (b[k] as number);
  return out;
}

function maxOf(a: ResourceList, b: ResourceList): ResourceList {
  const out = { ...a };
  for (const k in b) out[k] = Math.max(out[k] ?? 0, b[k] as number);
  return out;
}

export function podAlignment(pod: V1Pod): Alignment {
  const qos = podQos(pod);
  let containers = 0;
  const aligned = (c: V1Container): ResourceList => {
    const a = alignedResources(qos, containerQuantities(c).requests);
    if (Object.keys(a).length > 0) containers++;
    return a;
  };
  let apps: ResourceList = {};
  for (const c of pod.spec?.containers ?? []) apps = addTo(apps, aligned(c));
  let sidecars: ResourceList = {};
  let initPeak: ResourceList = {};
  for (const c of pod.spec?.initContainers ?? []) {
    const a = aligned(c);
    if (c.restartPolicy === 'Always') {
      sidecars = addTo(sidecars, a);
      initPeak = maxOf(initPeak, sidecars);
    } else {
      initPeak = maxOf(initPeak, addTo(a, sidecars));
    }
  }
  return { pod: maxOf(addTo(apps, sidecars), initPeak), containers };
}

/**
 * The alignment of a pod that does not exist yet (a Spark executor reserved
 * with its driver), from its resource shape: taken as one Guaranteed
 * container, the most the kubelet could align, so a reservation never
 * counts on a placement the kubelet would refuse.
 */
export function shapeAlignment(requests: ResourceList): Alignment {
  const pod = alignedResources('Guaranteed', requests);
  delete pod.pods;
  return { pod, containers: Object.keys(pod).length > 0 ? 1 : 0 };
}

// ---- what a node's kubelet demands of a pod ----

/** A zone as the kubelet model needs it: its NUMA id order and what it holds in total. */
export interface ZoneCapacity {
  readonly capacity: ResourceList;
}

/** The kubelet's part of a pod's zone need on one node. */
export type KubeletNeed =
  /** The kubelet aligns nothing for this pod here (policy none, or no aligned resource the zones report). */
  | { readonly kind: 'none' }
  /** `span` zones must hold `need`; `optional`: admitted even when none do (best-effort). */
  | { readonly kind: 'zones'; readonly need: ResourceList; readonly span: number; readonly optional: boolean }
  /** The kubelet rejects the pod on this node whatever is free; `reason` says why, with numbers. */
  | { readonly kind: 'never'; readonly reason: string };

/**
 * The fewest zones whose capacity together holds `amount` of `resource`
 * (the kubelet's minAffinitySize; Infinity when all zones together cannot).
 */
export function minimalSpan(zones: readonly ZoneCapacity[], resource: string, amount: number): number {
  const caps = zones.map((z) => z.capacity[resource] ?? 0).sort((a, b) => b - a);
  let sum = 0;
  for (let i = 0; i < caps.length; i++) {
    sum += caps[i] as number;
    if (sum >= amount) return i + 1;
  }
  return Infinity;
}

/**
 * What the node's kubelet (topology manager `kt`) demands of a pod with
 * `alignment`, given its zones and the resources they report. Extended
 * resources no zone reports are host-level (not NUMA-bound: the
 * NodeResourceTopologyMatch filter treats them so); native ones are aligned
 * all the same, so a zone that does not report them cannot hold them.
 */
export function kubeletNeed(kt: KubeletTopology, alignment: Alignment, zones: readonly ZoneCapacity[], reported: ReadonlySet<string>): KubeletNeed {
  if (kt.policy === 'none' || alignment.containers === 0) return { kind: 'none' };
  const need: ResourceList = {};
  for (const r in alignment.pod) {
    if (!isNativeResource(r) && !reported.has(r)) continue;
    need[r] = alignment.pod[r] as number;
  }
  const keys = Object.keys(need);
  if (keys.length === 0) return { kind: 'none' };
  if (kt.policy === 'best-effort') return { kind: 'zones', need, span: 1, optional: true };
  const spans = keys.map((r) => ({ r, span: minimalSpan(zones, r, need[r] as number) }));
  const widest = spans.reduce((a, b) => (b.span > a.span ? b : a));
  const q = (r: string, v: number | undefined): string => `${r} ${formatQuantity(r, v ?? 0)}`;
  const largest = (r: string): number => Math.max(0, ...zones.map((z) => z.capacity[r] ?? 0));
  if (widest.span === Infinity) {
    return { kind: 'never', reason: `the node's ${zones.length} NUMA zones together hold less than ${q(widest.r, need[widest.r])} (topology manager ${kt.policy})` };
  }
  if (kt.policy === 'single-numa-node' || widest.span === 1) {
    if (widest.span > 1) {
      return { kind: 'never', reason: `topology manager single-numa-node: ${q(widest.r, need[widest.r])} needs ${widest.span} NUMA zones (largest zone holds ${formatQuantity(widest.r, largest(widest.r))})` };
    }
    return { kind: 'zones', need, span: 1, optional: false };
  }
  // restricted with a request larger than one zone: every provider's
  // preferred hint spans its minimal zone count; they merge into a preferred
  // hint only when those counts (and so the zones) agree.
  const narrow = spans.find((s) => s.span !== widest.span);
  if (narrow) {
    return {
      kind: 'never',
      reason: `topology manager restricted: ${q(widest.r, need[widest.r])} needs ${widest.span} NUMA zones but ${q(narrow.r, need[narrow.r])} fits in ${narrow.span}, so no preferred hint exists`,
    };
  }
  if (kt.scope === 'container' && alignment.containers > 1) {
    // Each container would get its own zones; we do not split a pod between them.
    return { kind: 'never', reason: `topology manager restricted, container scope: ${alignment.containers} containers with aligned resources need ${widest.span} NUMA zones together; Gangplank does not split them` };
  }
  return { kind: 'zones', need, span: widest.span, optional: false };
}

/** Sets of `size` zone indexes out of `n`, in the kubelet's order of preference (lowest bitmask first). */
export function zoneSets(n: number, size: number): number[][] {
  const out: { mask: number; set: number[] }[] = [];
  const walk = (start: number, set: number[]): void => {
    if (set.length === size) {
      out.push({ mask: set.reduce((m, i) => m + 2 ** i, 0), set: [...set] });
      return;
    }
    for (let i = start; i < n; i++) walk(i + 1, [...set, i]);
  };
  if (size > 0 && size <= n && n <= 16) walk(0, []);
  return out.sort((a, b) => a.mask - b.mask).map((x) => x.set);
}
