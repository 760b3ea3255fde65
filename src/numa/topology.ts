// NUMA topology of a node: from a NodeResourceTopology object
// (topology.node.k8s.io/v1alpha2, object name = node name, zones of type
// "Node" with per-resource capacity/allocatable/available), else from the
// node annotation gangplank.io/numa-topology: a JSON list of
// {name, resources: {resource: quantity}} giving each zone's capacity.
import type { V1Node } from '@kubernetes/client-node';
import { parseResourceList, type ResourceList } from '../k8s/resources.js';
import { NUMA_TOPOLOGY } from '../contract/keys.js';

/** The subset of the NRT v1alpha2 object we read (noderesourcetopology-api types.go). */
export interface NodeResourceTopology {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; resourceVersion?: string };
  topologyPolicies?: string[];
  zones?: {
    name: string;
    type: string;
    resources?: { name: string; capacity?: string | number; allocatable?: string | number; available?: string | number }[];
  }[];
}

export interface NumaZone {
  readonly name: string;
  /** What the zone can hold in total (NRT allocatable, annotation capacity). */
  readonly capacity: ResourceList;
  /**
   * NRT only: what the exporter reports free now. The annotation has no
   * such field; its usage is counted from pods Gangplank placed there.
   */
  readonly available?: ResourceList;
}

export interface NodeTopology {
  readonly source: 'nrt' | 'annotation';
  readonly zones: readonly NumaZone[];
}

/** A topology, or why there is none usable. */
export type TopologyResult = { ok: true; topology: NodeTopology } | { ok: false; reason: string };

export const NO_TOPOLOGY: TopologyResult = { ok: false, reason: 'no NUMA topology (no NodeResourceTopology, no gangplank.io/numa-topology annotation)' };

/** NRT zones of type Node are the NUMA cells; other types (core, socket, …) are ignored. */
export function topologyFromNrt(nrt: NodeResourceTopology): TopologyResult {
  const zones: NumaZone[] = [];
  try {
    for (const z of nrt.zones ?? []) {
      if (z.type !== 'Node') continue;
      const capacity: Record<string, string | number> = {};
      const available: Record<string, string | number> = {};
      for (const r of z.resources ?? []) {
        const cap = r.allocatable ?? r.capacity;
        if (cap !== undefined) capacity[r.name] = cap;
        if (r.available !== undefined) available[r.name] = r.available;
      }
      zones.push({ name: z.name, capacity: parseResourceList(capacity), available: parseResourceList(available) });
    }
  } catch (err) {
    return { ok: false, reason: `NodeResourceTopology ${nrt.metadata?.name ?? ''} is malformed: ${(err as Error).message}` };
  }
  if (zones.length === 0) return { ok: false, reason: `NodeResourceTopology ${nrt.metadata?.name ?? ''} has no zones of type Node` };
  return { ok: true, topology: { source: 'nrt', zones } };
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
      zones.push({ name: zone.name, capacity: parseResourceList(zone.resources as Record<string, string>) });
    } catch (err) {
      return bad(`zone ${zone.name}: ${(err as Error).message}`);
    }
  }
  return { ok: true, topology: { source: 'annotation', zones } };
}

/** NRT wins over the annotation; an NRT object that exists but is broken does not fall back. */
export function nodeTopology(node: V1Node, nrt: NodeResourceTopology | undefined): TopologyResult {
  return nrt ? topologyFromNrt(nrt) : topologyFromAnnotation(node);
}
