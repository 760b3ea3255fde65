// Which pods must fit in one NUMA zone, and for which resources
// (numa.scheduling.kubenexus.io/policy and /resources, DESIGN.md).
import type { V1Pod } from '@kubernetes/client-node';
import { NUMA_POLICY, NUMA_RESOURCES } from '../contract/keys.js';

/** The resources that must share one zone, or null when the pod asks for no NUMA alignment. */
export type NumaRequirement = readonly string[] | null;

const SINGLE = new Set(['single-numa', 'single-numa-node']);

export function numaRequirement(annotations: Record<string, string> | undefined, defaultResources: readonly string[]): NumaRequirement {
  const policy = annotations?.[NUMA_POLICY]?.trim();
  if (!policy || !SINGLE.has(policy)) return null;
  const listed = (annotations?.[NUMA_RESOURCES] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return listed.length > 0 ? listed : [...defaultResources];
}

export function podNumaRequirement(pod: V1Pod, defaultResources: readonly string[]): NumaRequirement {
  return numaRequirement(pod.metadata?.annotations, defaultResources);
}
