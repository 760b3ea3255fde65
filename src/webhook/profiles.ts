// Choosing the profile for a pod: the first whose match it satisfies, in
// config order. An empty match takes every Spark pod; `namespaces` and
// `podLabels` must both hold when both are given.
import type { V1Pod } from '@kubernetes/client-node';
import type { Config, Profile } from '../config/index.js';

export function profileMatches(profile: Profile, pod: V1Pod, namespace: string | undefined): boolean {
  const { namespaces, podLabels } = profile.match;
  if (namespaces !== undefined && (namespace === undefined || !namespaces.includes(namespace))) return false;
  const labels = pod.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(podLabels ?? {})) if (labels[k] !== v) return false;
  return true;
}

/** The first matching profile, or undefined when none does. */
export function matchProfile(profiles: Config['profiles'], pod: V1Pod, namespace: string | undefined): Profile | undefined {
  return profiles.find((p) => profileMatches(p, pod, namespace));
}
