// What a profile's executor template and overrides do to an executor pod's
// resources, and the one function that turns Spark's executor container into
// the pod's requests. The webhook shapes real executors with the same merge
// rule (webhook/merge.ts calls mergeResourceLists), records the layers on the
// driver (gangplank.io/executor-resource-layers), and the extender applies
// them to the shape it computes from spark.properties — so a profile that caps
// executors at 500m/1Gi caps the reservation too.
//
// Rule (docs/webhook.md, "Merge rules"): a template adds absent requests and
// limits where that keeps request ≤ limit; overrides set them, and where an
// override leaves a request above its limit, the side the override did not
// set gives way.
import { formatQuantity, toSchedulerUnits } from '../k8s/quantity.js';
import { podRequests, type ResourceList } from '../k8s/resources.js';
import type { ContainerResources } from './spark-resources.js';

type Quantity = string | number;

/** A container's requests and limits, as a pod or a profile writes them. */
export interface ResourceLists {
  readonly requests?: Readonly<Record<string, Quantity>>;
  readonly limits?: Readonly<Record<string, Quantity>>;
}

/** The executor-side resources a profile contributes (empty parts omitted). */
export interface ExecutorResourceLayers {
  /** Resources of the template container that merges into Spark's executor container. */
  readonly template?: ResourceLists;
  /** Resources of the overrides container that merges into it. */
  readonly overrides?: ResourceLists;
  /** The pod's other containers (sidecars the profile adds), as they end up. */
  readonly containers?: readonly ResourceLists[];
  /** Init containers the profile adds; restartPolicy Always marks a sidecar (KEP-753). */
  readonly initContainers?: readonly (ResourceLists & { readonly restartPolicy?: string })[];
}

export type Warn = (message: string) => void;

function units(resource: string, q: unknown): number | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try {
    return toSchedulerUnits(resource, q);
  } catch {
    return undefined;
  }
}

/**
 * Merge `src` into a container's requests and limits (new maps; the inputs
 * are not changed). `container` names it in warnings.
 */
export function mergeResourceLists(
  target: { requests: Record<string, unknown>; limits: Record<string, unknown> },
  src: { requests?: unknown; limits?: unknown },
  mode: 'template' | 'overrides',
  container: string,
  warn: Warn,
): { requests: Record<string, unknown>; limits: Record<string, unknown> } {
  const requests = { ...target.requests };
  const limits = { ...target.limits };
  const srcRequests = isMap(src.requests) ? src.requests : {};
  const srcLimits = isMap(src.limits) ? src.limits : {};
  if (mode === 'template') {
    for (const [k, v] of Object.entries(srcRequests)) {
      if (requests[k] !== undefined) continue;
      const lim = units(k, limits[k]);
      const u = units(k, v);
      if (lim !== undefined && u !== undefined && u > lim) warn(`template request ${k}=${String(v)} above container ${container}'s limit; not applied`);
      else requests[k] = v;
    }
    for (const [k, v] of Object.entries(srcLimits)) {
      if (limits[k] !== undefined) continue;
      const req = units(k, requests[k]);
      const u = units(k, v);
      if (req !== undefined && u !== undefined && u < req) warn(`template limit ${k}=${String(v)} below container ${container}'s request; not applied`);
      else limits[k] = v;
    }
    return { requests, limits };
  }
  // Quantities are scalars: copying the entries copies the values.
  Object.assign(requests, srcRequests);
  Object.assign(limits, srcLimits);
  for (const k of Object.keys({ ...requests, ...limits })) {
    const r = units(k, requests[k]);
    const l = units(k, limits[k]);
    if (r === undefined || l === undefined || r <= l) continue;
    if (k in srcLimits && !(k in srcRequests)) {
      warn(`profile limits container ${container} ${k} to ${String(limits[k])}; request lowered from ${String(requests[k])}`);
      requests[k] = limits[k];
    } else {
      warn(`profile requests container ${container} ${k}=${String(requests[k])}; limit raised from ${String(limits[k])}`);
      limits[k] = requests[k];
    }
  }
  return { requests, limits };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** True when the layers change nothing (no annotation is written then). */
export function emptyLayers(l: ExecutorResourceLayers): boolean {
  return !l.template && !l.overrides && !(l.containers?.length ?? 0) && !(l.initContainers?.length ?? 0);
}

/**
 * One executor pod's requests in scheduler units: Spark's container, put
 * through the layers, plus the pod's other containers as kube-scheduler
 * counts them (k8s/resources.ts podRequests).
 */
export function executorPodUnits(spark: ContainerResources, layers: ExecutorResourceLayers = {}): ResourceList {
  let main: { requests: Record<string, unknown>; limits: Record<string, unknown> } = { requests: { ...spark.requests }, limits: { ...spark.limits } };
  const quiet: Warn = () => {};
  if (layers.template) main = mergeResourceLists(main, layers.template, 'template', 'executor', quiet);
  if (layers.overrides) main = mergeResourceLists(main, layers.overrides, 'overrides', 'executor', quiet);
  const asContainer = (name: string, r: ResourceLists, restartPolicy?: string) => ({
    name,
    resources: { requests: { ...(r.requests ?? {}) }, limits: { ...(r.limits ?? {}) } } as Record<string, Record<string, string>>,
    ...(restartPolicy ? { restartPolicy } : {}),
  });
  const units = podRequests({
    spec: {
      containers: [asContainer('executor', main as ResourceLists), ...(layers.containers ?? []).map((c, i) => asContainer(`c${i}`, c))],
      initContainers: (layers.initContainers ?? []).map((c, i) => asContainer(`i${i}`, c, c.restartPolicy)),
    },
  });
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(units)) if (v > 0) out[k] = v;
  return out;
}

/** Scheduler units back to canonical quantities ("1", "2432Mi"). */
export function formatUnits(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(list)) out[k] = formatQuantity(k, v);
  return out;
}
