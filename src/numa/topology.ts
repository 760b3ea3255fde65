// NUMA topology of a node: from a NodeResourceTopology object
// (topology.node.k8s.io/v1alpha2, object name = node name, zones of type
// "Node" with per-resource capacity/allocatable/available), else from the
// node annotation gangplank.io/numa-topology: a JSON list of
// {name, resources: {resource: quantity}} giving each zone's capacity.
// An NRT object also tells the node's kubelet topology-manager policy and
// scope (src/numa/kubelet.ts) and, from exporters that publish it, the
// fingerprint of the pods its `available` accounts for (ADR 0004).
import type { V1Node } from '@kubernetes/client-node';
import { parseResourceList, type ResourceList } from '../k8s/resources.js';
import { NUMA_TOPOLOGY } from '../contract/keys.js';
import { PODS_FINGERPRINT_ATTRIBUTE, PODS_FINGERPRINT_METHOD_ATTRIBUTE, type FingerprintMethod } from './fingerprint.js';
import { kubeletTopology, type KubeletTopology } from './kubelet.js';

/** The subset of the NRT v1alpha2 object we read (noderesourcetopology-api pkg/apis/topology/v1alpha2/types.go). */
export interface NodeResourceTopology {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  /** Deprecated in v1alpha2 (kept for older exporters): e.g. SingleNUMANodePodLevel. */
  topologyPolicies?: string[];
  zones?: {
    name: string;
    type: string;
    resources?: { name: string; capacity?: string | number; allocatable?: string | number; available?: string | number }[];
  }[];
  /** Node-level attributes: topologyManagerPolicy, topologyManagerScope, nodeTopologyPodsFingerprint, … */
  attributes?: { name: string; value: string }[];
}

export interface NumaZone {
  readonly name: string;
  /**
   * The zone's NUMA id, for the kubelet's order (it prefers the lowest ids):
   * the number that ends the name (exporters name zones node-<id>), else its
   * position in the list.
   */
  readonly id: number;
  /** What the zone can hold in total (NRT allocatable, annotation capacity). */
  readonly capacity: ResourceList;
  /**
   * NRT only: what the exporter reports free now. The annotation has no
   * such field; its usage is counted from pods Gangplank placed there.
   */
  readonly available?: ResourceList;
}

/** The exporter's fingerprint of the pods its data accounts for (ADR 0004). */
export interface PodsFingerprint {
  readonly value: string;
  readonly method: FingerprintMethod;
}

export interface NodeTopology {
  readonly source: 'nrt' | 'annotation';
  /** Zones in NUMA id order. */
  readonly zones: readonly NumaZone[];
  /** NRT only: the node's kubelet topology manager (policy and scope), as the exporter reports it. */
  readonly kubelet?: KubeletTopology;
  /** NRT only: resources at least one zone reports; extended resources outside it are host-level. */
  readonly reported?: ReadonlySet<string>;
  /** NRT only, when the exporter publishes it. */
  readonly fingerprint?: PodsFingerprint;
  /**
   * A key equal for nodes whose zones and kubelet settings are alike, so a
   * pod's zone need is worked out once per kind of node, not once per node.
   */
  readonly profile: string;
}

/** A topology, or why there is none usable. */
export type TopologyResult = { ok: true; topology: NodeTopology } | { ok: false; reason: string };

export const NO_TOPOLOGY: TopologyResult = { ok: false, reason: 'no NUMA topology (no NodeResourceTopology, no gangplank.io/numa-topology annotation)' };

function zoneId(name: string, position: number): number {
  const m = /(\d{1,6})$/.exec(name);
  return m ? Number(m[1]) : position;
}

function byId(a: NumaZone, b: NumaZone): number {
  return a.id - b.id || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function profileOf(source: string, zones: readonly NumaZone[], kubelet?: KubeletTopology): string {
  return JSON.stringify([source, kubelet?.policy, kubelet?.scope, zones.map((z) => Object.entries(z.capacity).sort())]);
}

function fingerprintOfNrt(nrt: NodeResourceTopology): PodsFingerprint | undefined {
  const attr = (name: string): string | undefined => nrt.attributes?.find((a) => a?.name === name)?.value;
  // v1alpha1-era exporters wrote an annotation instead (podfingerprint.Annotation).
  const value = attr(PODS_FINGERPRINT_ATTRIBUTE) ?? nrt.metadata?.annotations?.['topology.node.k8s.io/fingerprint'];
  if (!value) return undefined;
  const m = attr(PODS_FINGERPRINT_METHOD_ATTRIBUTE);
  const method: FingerprintMethod = m === 'with-exclusive-resources' || m === 'exclude-terminal' ? m : 'all';
  return { value, method };
}

/** NRT zones of type Node are the NUMA cells; other types (core, socket, …) are ignored. */
export function topologyFromNrt(nrt: NodeResourceTopology): TopologyResult {
  const zones: NumaZone[] = [];
  const reported = new Set<string>();
  try {
    for (const z of nrt.zones ?? []) {
      if (z?.type !== 'Node') continue;
      const capacity: Record<string, string | number> = {};
      const available: Record<string, string | number> = {};
      for (const r of z.resources ?? []) {
        const cap = r.allocatable ?? r.capacity;
        if (cap !== undefined) capacity[r.name] = cap;
        if (r.available !== undefined) available[r.name] = r.available;
        reported.add(r.name);
      }
      zones.push({ name: String(z.name), id: zoneId(String(z.name), zones.length), capacity: parseResourceList(capacity), available: parseResourceList(available) });
    }
  } catch (err) {
    return { ok: false, reason: `NodeResourceTopology ${nrt.metadata?.name ?? ''} is malformed: ${(err as Error).message}` };
  }
  if (zones.length === 0) return { ok: false, reason: `NodeResourceTopology ${nrt.metadata?.name ?? ''} has no zones of type Node` };
  zones.sort(byId);
  const kubelet = kubeletTopology(nrt.topologyPolicies, nrt.attributes);
  const fingerprint = fingerprintOfNrt(nrt);
  return { ok: true, topology: { source: 'nrt', zones, kubelet, reported, ...(fingerprint ? { fingerprint } : {}), profile: profileOf('nrt', zones, kubelet) } };
}

export function topologyFromAnnotation(node: V1Node): TopologyResult {
  const raw = node.metadata?.annotations?.[NUMA_TOPOLOGY];
  if (raw === undefined) return NO_TOPOLOGY;
  const bad = (why: string): TopologyResult => ({ ok: false, reason: `annotation ${NUMA_TOPOLOGY} on ${node.metadata?.name ?? ''} is malformed: ${why}` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return bad((err as Error).message);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return bad('want a non-empty JSON list of zones');
  const zones: NumaZone[] = [];
  const seen = new Set<string>();
  for (const [i, z] of parsed.entries()) {
    const zone = z as { name?: unknown; resources?: unknown };
    if (typeof zone?.name !== 'string' || zone.name === '') return bad(`zone ${i} has no name`);
    if (seen.has(zone.name)) return bad(`zone name ${zone.name} repeats`);
    seen.add(zone.name);
    if (zone.resources === null || typeof zone.resources !== 'object' || Array.isArray(zone.resources)) return bad(`zone ${zone.name} has no resources map`);
    try {
      zones.push({ name: zone.name, id: zoneId(zone.name, i), capacity: parseResourceList(zone.resources as Record<string, string>) });
    } catch (err) {
      return bad(`zone ${zone.name}: ${(err as Error).message}`);
    }
  }
  zones.sort(byId);
  return { ok: true, topology: { source: 'annotation', zones, profile: profileOf('annotation', zones) } };
}

/** NRT wins over the annotation; an NRT object that exists but is broken does not fall back. */
export function nodeTopology(node: V1Node, nrt: NodeResourceTopology | undefined): TopologyResult {
  return nrt ? topologyFromNrt(nrt) : topologyFromAnnotation(node);
}
