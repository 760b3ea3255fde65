// NUMA hints from the profile, in the seed's annotation keys. What the pod
// already says wins: a user who wrote the annotations meant them.
import type { V1Pod } from '@kubernetes/client-node';
import type { NumaSettings } from '../config/index.js';
import { NUMA_POLICY, NUMA_RESOURCES } from '../contract/keys.js';

export function applyNuma(pod: V1Pod, numa: NumaSettings | undefined): void {
  if (!numa) return;
  const meta = (pod.metadata ??= {});
  const annotations = (meta.annotations ??= {});
  annotations[NUMA_POLICY] ??= numa.policy;
  if (numa.policy !== 'none') annotations[NUMA_RESOURCES] ??= numa.resources.join(',');
}
