// Pod resource requests as kube-scheduler computes them
// (k8s.io/component-helpers/resource.PodRequests): the larger of the sum over
// app containers plus restartable ("sidecar") init containers, and each
// ordinary init container plus the sidecars started before it; plus
// spec.overhead. Pod-level resources (spec.resources, KEP-2837) win where set.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { toSchedulerUnits } from './quantity.js';

/** Resource name → integer scheduler units (cpu in millicores, memory in bytes). */
export type ResourceList = Record<string, number>;

export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function subtract(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) - v;
  return out;
}

export function max(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

/** True when every resource in `need` is available in `have` (missing counts as 0). */
export function fits(need: ResourceList, have: ResourceList): boolean {
  for (const [k, v] of Object.entries(need)) if (v > 0 && (have[k] ?? 0) < v) return false;
  return true;
}

/** Parse a `{cpu: "500m", memory: "1Gi"}` map into scheduler units. */
export function parseResourceList(list: Record<string, string | number> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list ?? {})) out[k] = toSchedulerUnits(k, v);
  return out;
}

/**
 * A container's effective requests: requests, with limits standing in for
 * requests that are absent (the API server defaults them so, but pods in
 * ExtenderArgs built by hand in tests may not have been through it).
 */
function containerRequests(c: V1Container): ResourceList {
  const limits = parseResourceList(c.resources?.limits as Record<string, string> | undefined);
  const requests = parseResourceList(c.resources?.requests as Record<string, string> | undefined);
  return { ...limits, ...requests };
}

export function podRequests(pod: V1Pod): ResourceList {
  const spec = pod.spec;
  if (!spec) return {};
  let apps: ResourceList = {};
  for (const c of spec.containers ?? []) apps = add(apps, containerRequests(c));
  let sidecars: ResourceList = {};
  let initPeak: ResourceList = {};
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c);
    if (c.restartPolicy === 'Always') {
      sidecars = add(sidecars, r);
      // A sidecar runs beside the init containers that follow it.
      initPeak = max(initPeak, sidecars);
    } else {
      initPeak = max(initPeak, add(r, sidecars));
    }
  }
  let total = max(add(apps, sidecars), initPeak);
  const podLevel = (spec as { resources?: V1Container['resources'] }).resources;
  if (podLevel?.requests || podLevel?.limits) {
    total = { ...total, ...parseResourceList({ ...(podLevel.limits ?? {}), ...(podLevel.requests ?? {}) } as Record<string, string>) };
  }
  if (spec.overhead) total = add(total, parseResourceList(spec.overhead as Record<string, string>));
  return total;
}
