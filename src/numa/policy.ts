// Which of a pod's resources must come from one NUMA zone. Two sources:
// the pod's own annotations (numa.scheduling.kubenexus.io/policy and
// /resources, docs/extender.md "NUMA"), which hold on every node; and the node's kubelet,
// whose topology manager aligns what its hint providers cover
// (./kubelet.ts) on nodes whose NodeResourceTopology names a policy.
import type { V1Pod } from '@kubernetes/client-node';
import { numaPolicyCodec, type NumaPolicy } from '../contract/annotations.js';
import { NUMA_POLICY, NUMA_RESOURCES } from '../contract/keys.js';
import type { ResourceList } from '../k8s/resources.js';
import { podAlignment, shapeAlignment, type Alignment } from './kubelet.js';

export interface NumaRequirement {
  /** The resources the pod's annotation says must share one zone, or null when it asks for none. */
  readonly listed: readonly string[] | null;
  /** What the kubelet's hint providers would align for the pod, where its node's policy says so. */
  readonly aligned: Alignment;
}

const SINGLE: ReadonlySet<NumaPolicy> = new Set(['single-numa', 'single-numa-node']);

/**
 * The resources numa.scheduling.kubenexus.io/policy and /resources name, or
 * null when the policy asks for no single zone (none, restricted, best-effort,
 * or an unknown value, which the webhook warns about and the extender reports
 * in an Event).
 */
export function annotatedNumaResources(annotations: Record<string, string> | undefined, defaultResources: readonly string[]): readonly string[] | null {
  const raw = annotations?.[NUMA_POLICY];
  const policy = raw === undefined ? undefined : numaPolicyCodec.parse(raw);
  if (policy === undefined || policy instanceof Error || !SINGLE.has(policy)) return null;
  const listed = (annotations?.[NUMA_RESOURCES] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return listed.length > 0 ? listed : [...defaultResources];
}

export function podNumaRequirement(pod: V1Pod, defaultResources: readonly string[]): NumaRequirement {
  return { listed: annotatedNumaResources(pod.metadata?.annotations, defaultResources), aligned: podAlignment(pod) };
}

/**
 * The requirement of a pod that does not exist yet, of shape `requests`
 * (an executor reserved with its driver): the driver's annotation policy,
 * and the kubelet alignment of a Guaranteed pod of that shape.
 */
export function shapeNumaRequirement(listed: readonly string[] | null, requests: ResourceList): NumaRequirement {
  return { listed, aligned: shapeAlignment(requests) };
}
