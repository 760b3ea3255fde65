// Applying a profile's pod template (defaults: the pod wins, as with Spark's
// own spark.kubernetes.*.podTemplateFile) and its overrides (they win over
// the pod). Both work in place on a pod the caller has already copied.
//
// Rules (docs/webhook.md, "Merge rules"):
// - metadata: labels and annotations only; template adds absent keys, overrides set keys.
// - containers: matched by name, else the first unmatched template container
//   goes to Spark's main container; other template containers are added.
//   env, ports and volumeMounts merge by name; resources key by key.
// - volumes and imagePullSecrets by name; tolerations are a union without
//   duplicates (overrides cannot remove one); nodeSelector and other objects
//   merge key by key; other arrays and scalars: the winner's value.
// - `default-scheduler` and the `default` service account are what the API
//   server fills in when the pod named none, so a template may replace them.
import type { V1Pod } from '@kubernetes/client-node';
import type { PodFragment } from '../config/index.js';
import { toSchedulerUnits } from '../k8s/quantity.js';
import { DEFAULT_SCHEDULER, DEFAULT_SERVICE_ACCOUNT } from './keys.js';
import { clone, deepDefault, deepOverride, isObj, unionList, type Obj } from './objects.js';
import { mainContainerIndex, type SparkRole } from './spark.js';

export type Mode = 'template' | 'overrides';
export type Warn = (message: string) => void;

const KEYED_BY_NAME = ['volumes', 'imagePullSecrets'] as const;

function asObj(pod: V1Pod): Obj {
  return pod as unknown as Obj;
}

function ensureObj(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObj(v)) return v;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function mergeMap(target: Obj, src: unknown, mode: Mode): void {
  if (!isObj(src)) return;
  for (const [k, v] of Object.entries(src)) {
    if (mode === 'overrides' || target[k] === undefined) target[k] = clone(v);
  }
}

/** Merge two lists of objects keyed by `key(item)`; items without a key are kept/added as they are. */
function mergeKeyed(target: Obj[], src: readonly unknown[], mode: Mode, key: (o: Obj) => string | undefined, skip?: (o: Obj) => boolean): Obj[] {
  const out = [...target];
  for (const s of src) {
    if (!isObj(s)) continue;
    const k = key(s);
    const i = k === undefined ? -1 : out.findIndex((t) => key(t) === k);
    if (i < 0) {
      if (!skip?.(s)) out.push(clone(s));
    } else if (mode === 'overrides') {
      out[i] = clone(s);
    }
  }
  return out;
}

const byName = (o: Obj): string | undefined => (typeof o.name === 'string' ? o.name : undefined);
const portKey = (o: Obj): string | undefined =>
  typeof o.name === 'string' ? `name:${o.name}` : o.containerPort !== undefined ? `port:${String(o.containerPort)}/${String(o.protocol ?? 'TCP')}` : undefined;

function units(resource: string, q: unknown): number | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try {
    return toSchedulerUnits(resource, q);
  } catch {
    return undefined;
  }
}

/**
 * Resources: a template adds absent requests and limits only where they keep
 * request ≤ limit; overrides set them, and where an override leaves a
 * request above its limit the side the override did not set gives way.
 */
function mergeResources(container: Obj, src: unknown, mode: Mode, warn: Warn): void {
  if (!isObj(src)) return;
  const res = ensureObj(container, 'resources');
  const requests = isObj(res.requests) ? res.requests : {};
  const limits = isObj(res.limits) ? res.limits : {};
  const srcRequests = isObj(src.requests) ? src.requests : {};
  const srcLimits = isObj(src.limits) ? src.limits : {};
  const name = String(container.name ?? '');
  if (mode === 'template') {
    for (const [k, v] of Object.entries(srcRequests)) {
      if (requests[k] !== undefined) continue;
      const lim = units(k, limits[k]);
      const u = units(k, v);
      if (lim !== undefined && u !== undefined && u > lim) warn(`template request ${k}=${String(v)} above container ${name}'s limit; not applied`);
      else requests[k] = v;
    }
    for (const [k, v] of Object.entries(srcLimits)) {
      if (limits[k] !== undefined) continue;
      const req = units(k, requests[k]);
      const u = units(k, v);
      if (req !== undefined && u !== undefined && u < req) warn(`template limit ${k}=${String(v)} below container ${name}'s request; not applied`);
      else limits[k] = v;
    }
  } else {
    Object.assign(requests, clone(srcRequests));
    Object.assign(limits, clone(srcLimits));
    for (const k of Object.keys({ ...requests, ...limits })) {
      const r = units(k, requests[k]);
      const l = units(k, limits[k]);
      if (r === undefined || l === undefined || r <= l) continue;
      if (k in srcLimits && !(k in srcRequests)) {
        warn(`profile limits container ${name} ${k} to ${String(limits[k])}; request lowered from ${String(requests[k])}`);
        requests[k] = limits[k];
      } else {
        warn(`profile requests container ${name} ${k}=${String(requests[k])}; limit raised from ${String(limits[k])}`);
        limits[k] = requests[k];
      }
    }
  }
  if (Object.keys(requests).length > 0) res.requests = requests;
  if (Object.keys(limits).length > 0) res.limits = limits;
  if (Object.keys(res).length === 0) delete container.resources;
}

function mergeContainer(target: Obj, src: Obj, mode: Mode, warn: Warn): void {
  const rest: Obj = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'name') continue; // the pod's container keeps its own name
    if (k === 'env' && Array.isArray(v)) {
      target.env = mergeKeyed(Array.isArray(target.env) ? (target.env as Obj[]) : [], v, mode, byName);
    } else if (k === 'ports' && Array.isArray(v)) {
      target.ports = mergeKeyed(Array.isArray(target.ports) ? (target.ports as Obj[]) : [], v, mode, portKey);
    } else if (k === 'volumeMounts' && Array.isArray(v)) {
      const current = Array.isArray(target.volumeMounts) ? (target.volumeMounts as Obj[]) : [];
      // Two mounts on one path make the pod invalid: a template mount never takes an occupied path.
      const taken = (o: Obj): boolean => current.some((c) => c.mountPath === o.mountPath && c.name !== o.name);
      target.volumeMounts = mergeKeyed(current, v, mode, byName, taken);
    } else if (k === 'envFrom' && Array.isArray(v)) {
      target.envFrom = unionList(Array.isArray(target.envFrom) ? target.envFrom : [], v);
    } else if (k === 'resources') {
      mergeResources(target, v, mode, warn);
    } else {
      rest[k] = v;
    }
  }
  if (mode === 'template') deepDefault(target, rest);
  else deepOverride(target, rest);
}

function mergeContainers(spec: Obj, key: 'containers' | 'initContainers', src: unknown, mode: Mode, mainIdx: number, warn: Warn): void {
  if (!Array.isArray(src)) return;
  const containers = Array.isArray(spec[key]) ? (spec[key] as Obj[]) : [];
  const srcs = src.filter(isObj);
  const names = new Set(containers.map(byName));
  // Spark's rule for templates: a container that names none of the pod's goes to the main container.
  const mainNamed = mainIdx >= 0 && srcs.some((s) => s.name === containers[mainIdx]?.name);
  let mainFree = key === 'containers' && mainIdx >= 0 && !mainNamed;
  for (const s of srcs) {
    const i = typeof s.name === 'string' ? containers.findIndex((c) => c.name === s.name) : -1;
    if (i >= 0) {
      mergeContainer(containers[i] as Obj, s, mode, warn);
    } else if (mainFree && !(typeof s.name === 'string' && names.has(s.name))) {
      mergeContainer(containers[mainIdx] as Obj, s, mode, warn);
      mainFree = false;
    } else if (typeof s.name === 'string' && s.name !== '') {
      containers.push(clone(s));
    } else {
      warn(`a ${key === 'containers' ? 'container' : 'init container'} in the profile has no name and matches none; not added`);
    }
  }
  spec[key] = containers;
}

/** Apply a template (mode 'template') or overrides (mode 'overrides') to `pod` in place. */
export function mergeFragment(pod: V1Pod, fragment: PodFragment, role: SparkRole, mode: Mode, warn: Warn): void {
  const p = asObj(pod);
  const meta = isObj(fragment.metadata) ? fragment.metadata : {};
  for (const key of ['labels', 'annotations'] as const) {
    if (isObj(meta[key]) && Object.keys(meta[key]).length > 0) mergeMap(ensureObj(ensureObj(p, 'metadata'), key), meta[key], mode);
  }
  if (!isObj(fragment.spec)) return;
  const spec = ensureObj(p, 'spec');
  const src = fragment.spec;
  const mainIdx = mainContainerIndex(pod, role);
  const rest: Obj = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'containers' || k === 'initContainers') {
      mergeContainers(spec, k, v, mode, mainIdx, warn);
    } else if ((KEYED_BY_NAME as readonly string[]).includes(k) && Array.isArray(v)) {
      spec[k] = mergeKeyed(Array.isArray(spec[k]) ? (spec[k] as Obj[]) : [], v, mode, byName);
    } else if (k === 'tolerations' && Array.isArray(v)) {
      spec.tolerations = unionList(Array.isArray(spec.tolerations) ? spec.tolerations : [], v);
    } else if (k === 'nodeSelector') {
      if (isObj(v) && Object.keys(v).length > 0) mergeMap(ensureObj(spec, 'nodeSelector'), v, mode);
    } else if (mode === 'template' && k === 'schedulerName' && spec.schedulerName === DEFAULT_SCHEDULER) {
      spec.schedulerName = v;
    } else if (mode === 'template' && k === 'serviceAccountName' && (spec.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT) === DEFAULT_SERVICE_ACCOUNT) {
      setServiceAccount(spec, v);
    } else if (mode === 'overrides' && k === 'serviceAccountName') {
      setServiceAccount(spec, v);
    } else if (k !== 'serviceAccount') {
      rest[k] = v;
    }
  }
  if (mode === 'template') deepDefault(spec, rest);
  else deepOverride(spec, rest);
}

/** serviceAccountName and its deprecated twin serviceAccount must agree. */
function setServiceAccount(spec: Obj, name: unknown): void {
  if (typeof name !== 'string') return;
  spec.serviceAccountName = name;
  if (spec.serviceAccount !== undefined) spec.serviceAccount = name;
}
